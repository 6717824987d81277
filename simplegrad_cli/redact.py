"""Credentials masked wherever text is shown or recorded: the password of a URL's userinfo
(`postgresql://me:***@host/db`) and the value of a password- or key-like parameter
(`?password=***`, `sslpassword=***`, `token=***`), so no output or lock file holds a secret."""
import re

MASK = "***"
_USERINFO = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):[^@\s/]*@")
_PARAMETER = re.compile(
    r"(?i)(?<![\w.-])(?P<key>(?:ssl)?pass(?:word|wd)?|pwd|[\w.-]*secret[\w.-]*|[\w.-]*token|"
    r"api[_-]?key|access[_-]?key|private[_-]?key)(?P<sep>\s*=\s*)(?P<value>[^\s&;,'\"]+)")


def redact(text):
    """`text` with every URL password and password-like `key=value` value replaced by ***."""
    text = str(text)
    if "=" not in text and "@" not in text:  # the common case: nothing to look for
        return text
    text = _USERINFO.sub(lambda m: f"{m['head']}:{MASK}@", text)
    return _PARAMETER.sub(lambda m: f"{m['key']}{m['sep']}{MASK}", text)
