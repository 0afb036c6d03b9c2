#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
#
# packaging/man/mkman.py: builds the man pages from their one markdown source.
#   mkman.py [--version V] --output cachet-dkim.8 milters/dkim/cachet-dkim.8.md
#       section 8 (or 1): the whole markdown page, converted to roff (man(7) macros)
#   mkman.py --config-page --binary build/bin/cachet-dkim --config-file /etc/cachet/dkim.conf
#            --output cachet-dkim.conf.5 milters/dkim/cachet-dkim.8.md
#       section 5: the page's CONFIGURATION section, the shared file syntax, and an OPTIONS
#       list made from `<binary> --dump-options` (the daemon's option table), so the page
#       cannot drift from the table
#   mkman.py --check-page cachet-dkim.conf.5 --binary build/bin/cachet-dkim
#       exits 1 unless every option of the table appears in the page with the same default
#       (the test STYLE.md s8 asks for)
# The markdown subset: `# HEADING` sections (a first heading `# name(8) - summary`, or a
# NAME section, gives the whatis line), `## sub` subsections, paragraphs, `- `/`1. ` lists,
# fenced code blocks, pipe tables, "term" lines followed by `: definition` lines, and inline
# **bold**, *italic*/_italic_, `code` (bold) and [text](url). Standard library only.
import argparse
import re
import subprocess
import sys
from pathlib import Path

# ---------------------------------------------------------------- inline text


def escape(text: str) -> str:
    """Escapes roff specials in plain text; a leading . or ' would start a request."""
    text = text.replace("\\", "\\e")
    return text


def escape_literal(text: str) -> str:
    """Literal text (code, option names, defaults): hyphens are minus signs."""
    return escape(text).replace("-", "\\-")


_INLINE = re.compile(
    r"`(?P<code>[^`]+)`"
    r"|\*\*(?P<bold>.+?)\*\*"
    r"|(?<![\w*])\*(?P<em>[^*\s][^*]*?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<em2>[^_\s][^_]*?)_(?![\w_])"
    r"|\[(?P<ltext>[^\]]+)\]\((?P<lurl>[^)]+)\)")


def inline(text: str) -> str:
    out, pos = [], 0
    for m in _INLINE.finditer(text):
        out.append(escape(text[pos:m.start()]))
        if m.group("code") is not None:
            out.append("\\fB" + escape_literal(m.group("code")) + "\\fR")
        elif m.group("bold") is not None:
            out.append("\\fB" + inline(m.group("bold")) + "\\fR")
        elif m.group("em") is not None or m.group("em2") is not None:
            out.append("\\fI" + inline(m.group("em") or m.group("em2")) + "\\fR")
        else:
            out.append(inline(m.group("ltext")) + " <" + escape(m.group("lurl")) + ">")
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def text_line(line: str) -> str:
    """One output line of running text; guards a leading control character."""
    line = line.strip()
    if line.startswith((".", "'")):
        line = "\\&" + line
    return line


# ---------------------------------------------------------------- blocks

_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBER = re.compile(r"^\s*(\d+)[.)]\s+(.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}")


def table_cells(line: str) -> list:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [c.strip() for c in line.split("|")]


def convert_blocks(lines: list) -> list:
    """Markdown body lines (no section headings) to roff lines."""
    out, para, i = [], [], 0

    def flush():
        if para:
            out.append(".PP")
            out.extend(text_line(inline(p)) for p in para)
            para.clear()

    while i < len(lines):
        line = lines[i]
        if not line.strip():
            flush()
            i += 1
            continue
        if line.startswith("## ") or line.startswith("### "):
            flush()
            out.append(".SS " + inline(line.lstrip("#").strip()))
            i += 1
            continue
        if _FENCE.match(line):
            flush()
            i += 1
            out.extend([".PP", ".RS 4", ".nf"])
            while i < len(lines) and not _FENCE.match(lines[i]):
                out.append(text_line_literal(lines[i]))
                i += 1
            out.extend([".fi", ".RE"])
            i += 1
            continue
        if line.lstrip().startswith("|") and i + 1 < len(lines) and _TABLE_SEP.match(lines[i + 1]):
            flush()
            header = table_cells(line)
            i += 2
            rows = []
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                rows.append(table_cells(lines[i]))
                i += 1
            out.extend(table(header, rows))
            continue
        m = _BULLET.match(line) or _NUMBER.match(line)
        if m and (not para):
            label = "\\(bu" if _BULLET.match(line) else m.group(1) + "."
            item = [m.group(m.lastindex)]
            i += 1
            while i < len(lines) and lines[i].strip() and not _BULLET.match(lines[i]) \
                    and not _NUMBER.match(lines[i]) and lines[i].startswith((" ", "\t")):
                item.append(lines[i].strip())
                i += 1
            out.append(".IP %s 4" % label)
            out.extend(text_line(inline(p)) for p in item)
            continue
        if i + 1 < len(lines) and lines[i + 1].startswith(":") and not para:
            # definition list: term, then ": definition" (continued by indented lines)
            out.append(".TP")
            out.append(text_line(inline(line.strip())))
            i += 1
            while i < len(lines) and lines[i].startswith(":"):
                out.append(text_line(inline(lines[i][1:].strip())))
                i += 1
                while i < len(lines) and lines[i].strip() and lines[i].startswith((" ", "\t")):
                    out.append(text_line(inline(lines[i].strip())))
                    i += 1
            continue
        para.append(line.strip())
        i += 1
    flush()
    return out


def text_line_literal(line: str) -> str:
    line = escape(line.rstrip("\n")).replace("-", "\\-")
    if line.startswith((".", "'")):
        line = "\\&" + line
    return line


def table(header: list, rows: list) -> list:
    cols = len(header)
    # the last column takes the remaining width and wraps (x), every cell is a text block
    out = [".PP", ".TS", "allbox tab(\t);", " ".join(["l"] * (cols - 1) + ["lx"]) + "."]
    for r in [header] + rows:
        r = (r + [""] * cols)[:cols]
        out.append("\t".join("T{\n" + text_line(inline(c)) + "\nT}" for c in r))
    out.append(".TE")
    return out


# ---------------------------------------------------------------- markdown page

_TITLE = re.compile(r"^([\w.-]+)\((\d)\)\s*(?:[-\u2014:]+\s*(.*))?$")


class Page:
    def __init__(self, path: Path):
        self.path = path
        m = re.match(r"^(.+)\.(\d)\.md$", path.name)
        if not m:
            sys.exit("mkman: %s: name must be <name>.<section>.md" % path)
        self.name, self.section = m.group(1), m.group(2)
        self.summary = ""
        self.sections = []  # (HEADING, [lines])
        heading, body = None, []
        text = path.read_text(encoding="utf-8").splitlines()
        # Sections are "# X", or "## X" under a "# name(8)" title (then "### X" = subsection)
        level = "## " if any(re.match(r"^## (NAME|SYNOPSIS|DESCRIPTION)\s*$", t) for t in text) else "# "
        for raw in text:
            if level == "## " and raw.startswith("### "):
                raw = raw[1:]
            elif level == "## " and raw.startswith("## "):
                raw = raw[1:]
            elif level == "## " and raw.startswith("# "):
                raw = "# " + raw[2:]
            if raw.startswith("# "):
                if heading is not None or body:
                    self.sections.append((heading, body))
                heading, body = raw[2:].strip(), []
            else:
                body.append(raw)
        self.sections.append((heading, body))
        self._find_summary()

    def _find_summary(self):
        keep = []
        for heading, body in self.sections:
            t = _TITLE.match(heading or "")
            if t:
                self.summary = (t.group(3) or "").strip()
                if any(line.strip() for line in body):
                    keep.append(("DESCRIPTION", body))
                continue
            if heading and heading.upper() == "NAME":
                text = " ".join(line.strip() for line in body if line.strip())
                self.summary = re.split(r"\s+[-\u2014]+\s+", text, maxsplit=1)[-1]
                continue
            if heading is None and not any(line.strip() for line in body):
                continue
            keep.append((heading or "DESCRIPTION", body))
        self.sections = keep
        if not self.summary:
            sys.exit("mkman: %s: no summary: start with '# %s(%s) - what it is'"
                     % (self.path, self.name, self.section))

    def section_body(self, heading: str) -> list:
        for h, body in self.sections:
            if h.upper() == heading:
                return body
        return []


def preamble(name: str, section: str, version: str, summary: str, tbl: bool) -> list:
    out = ["'\\\" t"] if tbl else []
    out += ['.\\" generated by packaging/man/mkman.py; edit the markdown source instead',
            '.TH "%s" "%s" "" "cachet %s" "cachet"' % (name.upper(), section, version),
            ".SH NAME", "%s \\- %s" % (escape_literal(name), inline(summary))]
    return out


def render_page(page: Page, version: str) -> str:
    body = []
    for heading, lines in page.sections:
        body.append(".SH " + inline(heading.upper()))
        body.extend(convert_blocks(lines))
    tbl = any(line == ".TS" for line in body)
    return "\n".join(preamble(page.name, page.section, version, page.summary, tbl) + body) + "\n"


# ---------------------------------------------------------------- section 5

def dump_options(binary: str) -> list:
    res = subprocess.run([binary, "--dump-options"], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        sys.exit("mkman: %s --dump-options failed (%d): %s" % (binary, res.returncode, res.stderr))
    options = []
    for line in res.stdout.splitlines():
        fields = line.split("\t")
        if len(fields) != 5:
            sys.exit("mkman: %s --dump-options: bad line %r" % (binary, line))
        options.append(dict(zip(("name", "kind", "default", "support", "doc"), fields)))
    return options


def option_entry(o: dict) -> list:
    default = ("default \\fB" + escape_literal(o["default"]) + "\\fR") if o["default"] else "no default"
    out = [".TP", "\\fB" + escape_literal(o["name"]) + "\\fR (" + o["kind"] + "; " + default + ")"]
    out.append(text_line(inline(o["doc"])) if o["doc"] else "(undocumented)")
    return out


_SYNTAX = """\
The file holds one option per line: the option name, then its value, separated by blanks
(`Name value`, as in the configuration files of opendkim and opendmarc) or by an equals
sign (`Name = value`, as in policyd-spf's). Names are case-insensitive. A `#` starts a
comment. A name that no implementation knows is an error: the daemon refuses to start
(exit status 78), so that a typo cannot silently weaken a check. An option of the peer
that cachet accepts without implementing it is reported with one warning line.

Check the file with `{binary} --check-config`: it lists every problem with file and line
and exits 0 or 78. `{binary} --print-config` also prints the effective configuration.
After a change, reload the daemon (`systemctl reload {binary}`, or send it SIGHUP or
SIGUSR1); a file with errors is refused and the old configuration stays in use. Socket,
UserID, UMask, PidFile and Background take effect only on restart.
"""


def render_config_page(page: Page, binary: str, config_file: str, version: str) -> str:
    name = Path(binary).name
    options = dump_options(binary)
    groups = [
        ("OPTIONS", "implemented"),
        ("ACCEPTED FOR COMPATIBILITY",
         "accepted_no_effect"),
        ("OBSOLETE NAMES", "obsolete"),
    ]
    intro = {
        "accepted_no_effect": "Options of the peer that cachet accepts and ignores; each one in "
                              "the file is reported with a warning at start and by the check.",
        "obsolete": "Names the peer retired; naming one is an error whose message says what "
                    "replaced it.",
    }
    out = preamble(name + ".conf", "5", version, "configuration file of " + name, False)
    out += [".SH SYNOPSIS", "\\fB" + escape_literal(config_file) + "\\fR"]
    out += [".SH DESCRIPTION"]
    out += convert_blocks(page.section_body("CONFIGURATION"))
    out += [".SH FILE FORMAT"] + convert_blocks(_SYNTAX.format(binary=name).splitlines())
    for title, support in groups:
        chosen = [o for o in options if o["support"] == support]
        if not chosen:
            continue
        out.append(".SH " + title)
        if support in intro:
            out += [".PP", intro[support]]
        for o in chosen:
            out += option_entry(o)
    out += [".SH FILES", ".TP", "\\fB" + escape_literal(config_file) + "\\fR",
            "the default configuration file",
            ".SH SEE ALSO", "\\fB%s\\fR(8)" % escape_literal(name)]
    return "\n".join(out) + "\n"


def check_config_page(page_path: str, binary: str) -> int:
    """Every option of the table must head an entry of the page with the same default."""
    if not Path(page_path).exists():
        print("%s: not built: the daemon has no man page source <binary>.8.md next to its "
              "main.cpp" % page_path, file=sys.stderr)
        return 1
    text = Path(page_path).read_text(encoding="utf-8")
    entries = {}
    for block in text.split(".TP\n")[1:]:
        head = block.split("\n", 1)[0]
        m = re.match(r"^\\fB(.+?)\\fR \(", head)
        if m:
            entries[m.group(1)] = head
    problems = []
    options = dump_options(binary)
    for o in options:
        head = entries.get(escape_literal(o["name"]))
        if head is None:
            problems.append("%s: option %s is missing" % (page_path, o["name"]))
            continue
        want = ("default \\fB" + escape_literal(o["default"]) + "\\fR)") if o["default"] else "no default)"
        if not head.endswith(want):
            problems.append("%s: option %s: page says %r, table default is %r"
                            % (page_path, o["name"], head, o["default"]))
    for p in problems:
        print(p, file=sys.stderr)
    print("%s: %d options checked, %d problems" % (page_path, len(options), len(problems)))
    return 1 if problems else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("markdown", nargs="?")
    ap.add_argument("--output")
    ap.add_argument("--version", default="")
    ap.add_argument("--config-page", action="store_true")
    ap.add_argument("--binary")
    ap.add_argument("--config-file")
    ap.add_argument("--check-page")
    args = ap.parse_args()
    if args.check_page:
        return check_config_page(args.check_page, args.binary)
    page = Page(Path(args.markdown))
    if args.config_page:
        text = render_config_page(page, args.binary, args.config_file, args.version)
    else:
        text = render_page(page, args.version)
    Path(args.output).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
