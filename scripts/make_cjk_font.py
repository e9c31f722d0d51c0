#!/usr/bin/env python3
"""Builds assets/fonts/NotoSansSC-Tessera.otf: Noto Sans CJK SC (OFL-1.1) cut down to the
3755 GB2312 level-1 hanzi, CJK punctuation, full-width forms and Latin, so the apps render
Chinese without any system font. Needs Debian's fonts-noto-cjk and `pip install fonttools`.
Usage: python3 scripts/make_cjk_font.py
"""
import subprocess
import sys

SRC = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_NUMBER = 2  # 0 JP, 1 KR, 2 SC, 3 TC, 4 HK in Debian's collection
OUT = "assets/fonts/NotoSansSC-Tessera.otf"

chars = set()
for hi in range(0xB0, 0xD8):  # GB2312 level 1: rows 16-55
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
text = "".join(sorted(chars))
unicodes = "U+0020-007E,U+00A0-00FF,U+2000-206F,U+2190-21FF,U+2460-24FF,U+25A0-25FF,U+3000-303F,U+FF00-FFEF"
subprocess.run(
    [
        "pyftsubset", SRC, f"--font-number={FONT_NUMBER}", f"--text={text}",
        f"--unicodes={unicodes}", "--layout-features=*", "--no-hinting",
        "--desubroutinize", f"--output-file={OUT}",
    ],
    check=True,
)
print(f"wrote {OUT} with {len(chars)} hanzi", file=sys.stderr)
