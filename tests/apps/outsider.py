"""A module on sys.path that is not an installed app: its functions must stay unreachable."""

from maju.whitelisting import whitelist

CALLS: list[str] = []


@whitelist(allow_guest=True)
def outside() -> str:
    CALLS.append("outside")
    return "ran outside the apps"
