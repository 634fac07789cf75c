import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from app.auth.passwords import MAX_LENGTH, password_problem

Role = Literal["nurse", "physician", "admin"]


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    active: bool


USERNAME_MAX = 64


def _strong(password: str | None, info: ValidationInfo) -> str | None:
    # A field validator, so the 422 names `password`; the fields before it are the hints.
    if password is None:
        return None
    hints = (info.data.get("username") or "", info.data.get("display_name") or "")
    if problem := password_problem(password, hints=hints):
        raise ValueError(problem)
    return password


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=2, max_length=USERNAME_MAX, pattern=r"^[A-Za-z0-9_.@-]+$")
    display_name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str = Field(max_length=MAX_LENGTH)

    _password = field_validator("password")(_strong)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    active: bool | None = None
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    password: str | None = Field(default=None, max_length=MAX_LENGTH)

    _password = field_validator("password")(_strong)


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=USERNAME_MAX)
    password: str = Field(min_length=1, max_length=MAX_LENGTH)
    otp: str | None = Field(default=None, max_length=32, description="TOTP or recovery code")


class TokenForm(BaseModel):
    """OAuth2's password grant, form-encoded, with the same limits as the JSON sign-in."""

    # OAuth2 clients may send client_id, scope and the like; they mean nothing here.
    model_config = ConfigDict(extra="ignore")

    grant_type: Literal["password"] | None = None
    username: str = Field(min_length=1, max_length=USERNAME_MAX)
    password: str = Field(min_length=1, max_length=MAX_LENGTH)
    otp: str | None = Field(default=None, max_length=32, description="TOTP or recovery code")


class MfaCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=6, max_length=32, description="TOTP or recovery code")


class MfaStatus(BaseModel):
    enabled: bool
    recovery_codes_left: int


class MfaEnrolment(BaseModel):
    secret: str = Field(description="Base32, for typing into an authenticator app")
    otpauth_uri: str = Field(description="otpauth://totp/... for a QR code")


class MfaConfirmed(BaseModel):
    recovery_codes: list[str] = Field(description="Shown once: each signs in once")


class LoginOut(BaseModel):
    user: UserOut


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105
    expires_in: int
