#!/usr/bin/env python3
"""Builds the CJK font bundled in both apps (assets/fonts/NotoSansSC-Tessera.otf).

The font is Noto Sans CJK SC (SIL OFL 1.1, assets/fonts/OFL.txt) cut down to:
- every character of the Table of General Standard Chinese Characters (通用规范汉字表, 2013:
  8,105 hanzi), read from assets/fonts/tgscc-8105.txt;
- all of GB 2312 (6,763 hanzi and the symbols of rows 1-9);
- Latin, digits, general punctuation, arrows, CJK punctuation and full-width forms;
- every non-ASCII character in the two apps' sources (crates/tessera-wallet/src,
  crates/tessera-scan/src), so every UI string is drawn.
Layout features egui never uses are dropped (see DROPPED_FEATURES).

Needs Debian's fonts-noto-cjk (`apt-get install fonts-noto-cjk`) and fontTools
(`pip install fonttools`). The output depends only on those two and the repository.

Usage, from the repository root:
    python3 scripts/make_cjk_font.py           # writes the font, checks its coverage
    python3 scripts/make_cjk_font.py --list    # rewrites assets/fonts/tgscc-8105.txt from
                                               # Unihan (Debian's unicode-data package)
"""
import bz2
import pathlib
import subprocess
import sys

SRC = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_NUMBER = 2  # 0 JP, 1 KR, 2 SC, 3 TC, 4 HK in Debian's collection
OUT = "assets/fonts/NotoSansSC-Tessera.otf"
TABLE = "assets/fonts/tgscc-8105.txt"
UNIHAN = "/usr/share/unicode/Unihan_OtherMappings.txt.bz2"
APP_SOURCES = ["crates/tessera-wallet/src", "crates/tessera-scan/src"]
# Latin-1, general punctuation, arrows, enclosed numbers, shapes, CJK punctuation, full width.
RANGES = "U+0020-007E,U+00A0-00FF,U+2000-206F,U+2190-21FF,U+2460-24FF,U+25A0-25FF,U+3000-303F,U+FF00-FFEF"

# OpenType features egui never applies: its shaper (harfrust) is given no language, so `locl`
# (the Japanese, Korean and Traditional Chinese forms, 7,000 extra glyphs) never fires, and it
# lays text out horizontally only (the vertical forms and metrics). Dropping them keeps one
# glyph per character and takes the font from 3.6 MB to 2.0 MB.
DROPPED_FEATURES = "locl,vert,vrt2,vkrn,vpal,valt,vhal"

TABLE_HEADER = """\
# Table of General Standard Chinese Characters (通用规范汉字表), State Council of China, 2013:
# 8,105 hanzi (level 1: 1-3500, level 2: 3501-6500, level 3: 6501-8105).
# Source: Unicode's Unihan database, field kTGH ("2013:<index>"), file
# Unihan_OtherMappings.txt of Unicode 15.0.0 as shipped by Debian's unicode-data 15.0.0-1
# (/usr/share/unicode/Unihan_OtherMappings.txt.bz2). Regenerate with
# `python3 scripts/make_cjk_font.py --list`.
# Columns: index in the table, code point, character.
"""


def write_table():
    rows = []
    with bz2.open(UNIHAN, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "\tkTGH\t" not in line:
                continue
            cp, _, value = line.rstrip("\n").split("\t")
            for entry in value.split():
                year, index = entry.split(":")
                if year == "2013":
                    rows.append((int(index), int(cp[2:], 16)))
    rows.sort()
    if [i for i, _ in rows] != list(range(1, 8106)):
        sys.exit(f"{UNIHAN}: kTGH does not number 1..8105 ({len(rows)} entries)")
    with open(TABLE, "w", encoding="utf-8") as out:
        out.write(TABLE_HEADER)
        for index, cp in rows:
            out.write(f"{index:04}\tU+{cp:04X}\t{chr(cp)}\n")
    print(f"wrote {TABLE} with {len(rows)} characters", file=sys.stderr)


def read_table():
    chars = []
    for line in pathlib.Path(TABLE).read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        _, cp, ch = line.split("\t")
        if int(cp[2:], 16) != ord(ch):
            sys.exit(f"{TABLE}: {cp} does not match {ch!r}")
        chars.append(ch)
    if len(chars) != 8105 or len(set(chars)) != 8105:
        sys.exit(f"{TABLE}: expected 8105 distinct characters, found {len(set(chars))}")
    return chars


def gb2312():
    chars = set()
    for hi in range(0xA1, 0xF8):  # rows 1-87: symbols (1-9), level 1 (16-55), level 2 (56-87)
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def app_chars():
    chars = set()
    for root in APP_SOURCES:
        for path in sorted(pathlib.Path(root).rglob("*.rs")):
            chars.update(c for c in path.read_text(encoding="utf-8") if ord(c) > 0x7E)
    return chars


def main():
    if "--list" in sys.argv[1:]:
        write_table()
        return
    from fontTools.ttLib import TTFont

    table = read_table()
    gb = gb2312()
    chars = set(table) | gb | app_chars()
    source = TTFont(SRC, fontNumber=FONT_NUMBER).getBestCmap()
    wanted = sorted(c for c in chars if ord(c) in source)
    absent = sorted(c for c in chars if ord(c) not in source)
    text_file = pathlib.Path("target/make_cjk_font.txt")
    text_file.parent.mkdir(exist_ok=True)
    text_file.write_text("".join(wanted), encoding="utf-8")
    subprocess.run(
        [
            "pyftsubset", SRC, f"--font-number={FONT_NUMBER}", f"--text-file={text_file}",
            f"--unicodes={RANGES}", "--no-hinting", f"--layout-features-={DROPPED_FEATURES}",
            f"--output-file={OUT}",
        ],
        check=True,
    )
    cmap = TTFont(OUT).getBestCmap()
    missing = [f"U+{ord(c):04X}" for c in table if ord(c) not in cmap]
    if missing:
        sys.exit(f"{OUT}: no glyph for {len(missing)} characters of {TABLE}: {missing[:10]}")
    size = pathlib.Path(OUT).stat().st_size
    print(
        f"wrote {OUT}: {size} bytes, {len(cmap)} characters ({len(table)} of the table, "
        f"{len(gb)} of GB 2312); not in the source font: "
        f"{' '.join(f'U+{ord(c):04X}' for c in absent) or 'none'}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
