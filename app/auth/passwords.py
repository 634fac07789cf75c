"""Password rules: the one place that says what a password must be."""

from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 256
# zxcvbn's score (0-4): 3 = "safely unguessable: moderate protection from offline slow-hash
# attacks". Argon2 is slow, so this is the bar.
MIN_SCORE = 3
# zxcvbn refuses more than 72 characters; what follows adds length, never weakness.
_ESTIMATED = 72


def password_problem(password: str, *, hints: tuple[str, ...] = ()) -> str | None:
    """Why this password is too weak, in words that repeat none of it; None when it will do."""
    if len(password) < MIN_LENGTH:
        return f"use at least {MIN_LENGTH} characters"
    result = zxcvbn(password[:_ESTIMATED], user_inputs=[h for h in hints if h])
    if result["score"] >= MIN_SCORE:
        return None
    feedback = result["feedback"]
    advice = feedback.get("warning") or ""
    suggestions = feedback.get("suggestions") or []
    words = " ".join([advice, *suggestions[:1]]).strip()
    return "this password is too easy to guess" + (f": {words}" if words else "")
