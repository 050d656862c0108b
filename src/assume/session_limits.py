"""How long a session can last at one hop, which limit binds, and what the user can do about it.

The limits, from the STS API reference and the IAM User Guide:

* AssumeRole: "The value specified can range from 900 seconds (15 minutes) up to the maximum
  session duration set for the role. The maximum session duration setting can have a value
  from 1 hour to 12 hours." (STS API "AssumeRole", DurationSeconds). A role without the setting
  has the default of one hour.
* Role chaining: "Role chaining limits your AWS CLI or AWS API role session to a maximum of one
  hour." (IAM UG "Roles terms and concepts": role chaining)
* GetSessionToken (the MFA session): "Sessions for IAM users can last from 900 seconds (15
  minutes) to 129,600 seconds (36 hours), with 43,200 seconds (12 hours) as the default.
  Sessions for AWS account owners are restricted to a maximum of 3,600 seconds (one hour)."
  (STS API "GetSessionToken")
* The console: the federation endpoint's ``SessionDuration`` "can range from 900 seconds (15
  minutes) to 43200 seconds (12 hours)", and a session obtained by role chaining gets one hour
  (IAM UG "Enable custom identity broker access to the AWS console").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assume.validation import MAX_CHAINED_DURATION, MAX_DURATION

DEFAULT_DURATION = 3600  # seconds: what AssumeRole grants when DurationSeconds is not sent
DEFAULT_ROLE_MAX = 3600  # seconds: a role's MaxSessionDuration unless its owner raised it
MFA_SESSION_DEFAULT = 43200  # seconds: GetSessionToken's default for an IAM user
MFA_SESSION_MAX = 129600  # seconds: GetSessionToken's ceiling for an IAM user (36 hours)
MFA_SESSION_ROOT_MAX = 3600  # seconds: GetSessionToken's ceiling for the root user
CONSOLE_MAX = 43200  # seconds: the federation endpoint's SessionDuration ceiling
CONSOLE_CHAINED_MAX = 3600  # seconds: a console session from role-chained credentials


@dataclass(frozen=True)
class Limit:
    """One ceiling on a session: its name, seconds, and where it comes from. An ``assumed``
    limit could not be read and stands at its documented default."""

    name: str
    seconds: int
    source: str
    assumed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"name": self.name, "seconds": self.seconds, "source": self.source,
                "assumed": self.assumed}


@dataclass(frozen=True)
class SessionLength:
    """The session asked for at one hop, every limit on it, and the one that binds."""

    requested: int
    limits: tuple[Limit, ...]
    console_max: int
    advice: str

    @property
    def binding(self) -> Limit:
        """The smallest limit (a read one before an assumed one on a tie)."""
        return min(self.limits, key=lambda limit: (limit.seconds, limit.assumed))

    @property
    def maximum(self) -> int:
        """The longest session this hop can get, as far as is known."""
        return self.binding.seconds

    @property
    def fits(self) -> bool:
        """True when the requested duration is within every limit that was read."""
        return all(self.requested <= limit.seconds for limit in self.limits if not limit.assumed)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "requested": self.requested,
            "maximum": self.maximum,
            "binding": self.binding.name,
            "fits": self.fits,
            "limits": [limit.to_dict() for limit in self.limits],
            "console_max": self.console_max,
            "advice": self.advice,
        }


def role_session_length(
    requested: int | None,
    *,
    chained: bool,
    role_max: int | None,
    role_max_known: bool,
    role_name: str,
) -> SessionLength:
    """The limits on an AssumeRole hop. ``role_max`` is the role's MaxSessionDuration when
    iam:GetRole could read it; unread, the one-hour default is assumed and said so."""
    limits = [Limit("sts-maximum", MAX_DURATION, "AssumeRole accepts at most 12 hours")]
    if chained:  # first: on a tie, the cap nobody can raise is the one that binds
        limits.append(Limit("chained-role", MAX_CHAINED_DURATION,
                            "a role assumed with role credentials (role chaining) lasts 1 hour"))
    if role_max_known and role_max is not None:
        limits.append(Limit("role-max-session-duration", role_max,
                            "the role's MaxSessionDuration (iam:GetRole)"))
    else:
        limits.append(Limit(
            "role-max-session-duration", DEFAULT_ROLE_MAX,
            "the role's MaxSessionDuration, not read: 1 hour unless its owner raised it",
            assumed=True,
        ))
    wanted = requested or DEFAULT_DURATION
    console = CONSOLE_CHAINED_MAX if chained else CONSOLE_MAX
    length = SessionLength(wanted, tuple(limits), console, "")
    return SessionLength(wanted, tuple(limits), console, _advice(length, role_name, role_max_known))


def mfa_session_length(requested: int | None, *, root: bool = False) -> SessionLength:
    """The limits on a GetSessionToken (MFA session) hop."""
    ceiling = MFA_SESSION_ROOT_MAX if root else MFA_SESSION_MAX
    source = "GetSessionToken lasts at most " + ("1 hour for the root user" if root else
                                                 "36 hours for an IAM user")
    limits = (Limit("mfa-session-maximum", ceiling, source),)
    wanted = requested or (MFA_SESSION_ROOT_MAX if root else MFA_SESSION_DEFAULT)
    length = SessionLength(wanted, limits, CONSOLE_MAX, "")
    advice = (
        "The MFA session is within its limit."
        if length.fits
        else f"Ask for {ceiling}s or less (duration_seconds of the MFA session)."
    )
    return SessionLength(wanted, limits, CONSOLE_MAX, advice)


def _advice(length: SessionLength, role_name: str, role_max_known: bool) -> str:
    binding = length.binding.name
    if binding == "chained-role":
        text = (
            "Role chaining caps the session at 1 hour: assume the role straight from long-term "
            "or MFA-session credentials for a longer one, or run the command under "
            "`assume exec --server`, which refreshes the session before it expires."
        )
    elif binding == "role-max-session-duration":
        text = (
            f"The role's owner can raise the limit: aws iam update-role --role-name {role_name} "
            "--max-session-duration SECONDS (up to 43200)."
        )
    else:
        text = "12 hours is the most AssumeRole grants."
    if not role_max_known:
        text += " The role's MaxSessionDuration is unknown: its owner can tell you."
    if length.requested <= length.maximum:
        return f"{length.requested}s fits. " + text
    if length.fits:
        return f"{length.requested}s may be over the limit of {length.maximum}s. " + text
    return f"{length.requested}s is over the limit of {length.maximum}s. " + text
