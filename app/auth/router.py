import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from app.auth import mfa, service
from app.auth.schemas import (
    LoginIn,
    LoginOut,
    MfaCodeIn,
    MfaConfirmed,
    MfaEnrolment,
    MfaStatus,
    TokenForm,
    TokenOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from app.context import client_addr_var
from app.deps import COOKIE_NAME, Admin, AppSettings, CurrentUser, Db, Token, get_logins

router = APIRouter(prefix="/api", tags=["auth"])


@router.post("/auth/token")
async def token(
    form: Annotated[TokenForm, Form()],
    db: Db,
    settings: AppSettings,
) -> TokenOut:
    user = await service.authenticate(
        db, username=form.username, password=form.password, settings=settings, otp=form.otp
    )
    access = await service.start_login(
        db,
        user=user,
        kind="bearer",
        settings=settings,
        client_addr=client_addr_var.get(),
    )
    return TokenOut(access_token=access, expires_in=int(settings.session_max_hours * 3600))


@router.post("/auth/login")
async def login(
    body: LoginIn, db: Db, settings: AppSettings, request: Request, response: Response
) -> LoginOut:
    user = await service.authenticate(
        db, username=body.username, password=body.password, settings=settings, otp=body.otp
    )
    # A fresh token on every login: a cookie planted before sign-in is never promoted.
    access = await service.start_login(
        db,
        user=user,
        kind="cookie",
        settings=settings,
        client_addr=client_addr_var.get(),
    )
    response.set_cookie(
        COOKIE_NAME,
        access,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        max_age=int(settings.session_max_hours * 3600),
        path="/",
    )
    return LoginOut(user=UserOut.model_validate(user))


@router.post("/auth/logout", status_code=204)
async def logout(
    request: Request,
    db: Db,
    user: CurrentUser,
    token: Token,
    settings: AppSettings,
    response: Response,
) -> None:
    await service.end_login(db, token=token, user=user, settings=settings)
    get_logins(request).forget(service.token_digest(token, settings))
    response.delete_cookie(COOKIE_NAME, path="/")


@router.get("/auth/me")
async def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)


@router.get("/users")
async def list_users(db: Db, _admin: Admin) -> list[UserOut]:
    return [UserOut.model_validate(u) for u in await service.list_users(db)]


@router.post("/users", status_code=201)
async def create_user(body: UserCreate, db: Db, admin: Admin) -> UserOut:
    return UserOut.model_validate(await service.create_user(db, data=body, by=admin))


@router.patch("/users/{user_id}")
async def update_user(
    request: Request, user_id: uuid.UUID, body: UserUpdate, db: Db, admin: Admin
) -> UserOut:
    user = await service.update_user(db, user_id=user_id, data=body, by=admin)
    get_logins(request).forget_user(user_id)
    return UserOut.model_validate(user)


@router.get("/auth/mfa")
async def mfa_status(db: Db, user: CurrentUser) -> MfaStatus:
    return MfaStatus(
        enabled=user.totp_enabled_at is not None,
        recovery_codes_left=await mfa.unused_recovery_codes(db, user),
    )


@router.post("/auth/mfa/enrol")
async def mfa_enrol(db: Db, user: CurrentUser, settings: AppSettings) -> MfaEnrolment:
    """A new secret for an authenticator app; on only once `POST /auth/mfa/confirm` has a
    code from it."""
    secret, uri = await mfa.start_enrolment(db, user, settings)
    return MfaEnrolment(secret=secret, otpauth_uri=uri)


@router.post("/auth/mfa/confirm")
async def mfa_confirm(
    request: Request, body: MfaCodeIn, db: Db, user: CurrentUser, settings: AppSettings
) -> MfaConfirmed:
    codes = await mfa.confirm_enrolment(db, user, body.code, settings)
    get_logins(request).forget_user(user.id)
    return MfaConfirmed(recovery_codes=codes)


@router.post("/auth/mfa/recovery-codes")
async def mfa_recovery_codes(
    body: MfaCodeIn, db: Db, user: CurrentUser, settings: AppSettings
) -> MfaConfirmed:
    """Ten new recovery codes, shown once; the old ones stop working. Needs a current code."""
    return MfaConfirmed(recovery_codes=await mfa.new_recovery_codes(db, user, body.code, settings))


@router.post("/auth/mfa/remove", status_code=204)
async def mfa_remove_own(
    request: Request, body: MfaCodeIn, db: Db, user: CurrentUser, settings: AppSettings
) -> None:
    """Needs a current code: someone at an unlocked screen cannot turn it off."""
    await mfa.require_second_factor(db, user, body.code, settings)
    await mfa.remove(db, user_id=user.id, by=user)
    get_logins(request).forget_user(user.id)


@router.delete("/users/{user_id}/mfa", status_code=204)
async def mfa_reset(request: Request, user_id: uuid.UUID, db: Db, admin: Admin) -> None:
    """An admin turns off a user's two-step sign-in (a lost phone); audited."""
    await mfa.remove(db, user_id=user_id, by=admin)
    get_logins(request).forget_user(user_id)
