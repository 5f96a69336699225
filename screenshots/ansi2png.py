#!/usr/bin/python3
"""Renders `tmux capture-pane -p -e` output (text with SGR escapes) to a PNG.

Usage: ansi2png.py INPUT.ansi OUTPUT.png [COLUMNS ROWS]

Only what tmux emits is understood: SGR attributes (bold, dim, underline,
reverse), the 16 ANSI colours, 256-colour and RGB forms. Cells are drawn on a
fixed grid with DejaVu Sans Mono, so box-drawing and block glyphs line up.
"""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
SIZE = 16
# A dark terminal palette (the 16 ANSI colours, normal then bright).
PALETTE = [
    (0x1d, 0x1f, 0x21), (0xcc, 0x33, 0x33), (0x4e, 0xb3, 0x4e), (0xd0, 0xa0, 0x30),
    (0x3a, 0x7b, 0xd5), (0xb0, 0x5c, 0xc0), (0x2a, 0xb0, 0xb0), (0xc5, 0xc8, 0xc6),
    (0x70, 0x74, 0x78), (0xff, 0x5f, 0x5f), (0x7c, 0xe0, 0x7c), (0xff, 0xd7, 0x5f),
    (0x6c, 0xa8, 0xff), (0xe0, 0x8c, 0xf0), (0x5f, 0xe0, 0xe0), (0xff, 0xff, 0xff),
]
DEFAULT_FG = (0xd8, 0xd8, 0xd8)
DEFAULT_BG = (0x12, 0x14, 0x16)
SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def colour_256(n):
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return (v, v, v)


class Pen:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None
        self.bg = None
        self.bold = self.dim = self.underline = self.reverse = False

    def apply(self, params):
        codes = [int(p) if p else 0 for p in re.split("[;:]", params)] if params else [0]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 2:
                self.dim = True
            elif c == 4:
                self.underline = True
            elif c == 7:
                self.reverse = True
            elif c == 22:
                self.bold = self.dim = False
            elif c == 24:
                self.underline = False
            elif c == 27:
                self.reverse = False
            elif 30 <= c <= 37:
                self.fg = PALETTE[c - 30]
            elif 90 <= c <= 97:
                self.fg = PALETTE[c - 90 + 8]
            elif 40 <= c <= 47:
                self.bg = PALETTE[c - 40]
            elif 100 <= c <= 107:
                self.bg = PALETTE[c - 100 + 8]
            elif c == 39:
                self.fg = None
            elif c == 49:
                self.bg = None
            elif c in (38, 48) and i + 1 < len(codes):
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    col = colour_256(codes[i + 2])
                    i += 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    col = tuple(codes[i + 2:i + 5])
                    i += 4
                else:
                    col = None
                if c == 38:
                    self.fg = col
                else:
                    self.bg = col
            i += 1

    def colours(self):
        fg = self.fg or DEFAULT_FG
        bg = self.bg or DEFAULT_BG
        if self.reverse:
            fg, bg = bg, fg
        if self.dim:
            fg = tuple((a + b) // 2 for a, b in zip(fg, bg))
        return fg, bg


def cells(text):
    """Yields rows of (char, fg, bg, bold, underline)."""
    pen = Pen()
    for line in text.split("\n"):
        row = []
        pos = 0
        for m in SGR.finditer(line):
            row.extend((ch, *pen.colours(), pen.bold, pen.underline) for ch in line[pos:m.start()])
            pen.apply(m.group(1))
            pos = m.end()
        row.extend((ch, *pen.colours(), pen.bold, pen.underline) for ch in line[pos:])
        yield row


def main():
    src, dst = sys.argv[1], sys.argv[2]
    text = open(src, encoding="utf-8", errors="replace").read().rstrip("\n")
    rows = list(cells(text))
    cols = int(sys.argv[3]) if len(sys.argv) > 3 else max(len(r) for r in rows)
    nrows = int(sys.argv[4]) if len(sys.argv) > 4 else len(rows)
    font, bold = ImageFont.truetype(FONT, SIZE), ImageFont.truetype(BOLD, SIZE)
    left, top, right, bottom = font.getbbox("M")
    cw = round(font.getlength("M"))
    ch = SIZE + 4
    pad = 10
    img = Image.new("RGB", (cols * cw + 2 * pad, nrows * ch + 2 * pad), DEFAULT_BG)
    draw = ImageDraw.Draw(img)
    for y, row in enumerate(rows[:nrows]):
        for x, (c, fg, bg, is_bold, underline) in enumerate(row[:cols]):
            px, py = pad + x * cw, pad + y * ch
            if bg != DEFAULT_BG:
                draw.rectangle([px, py, px + cw - 1, py + ch - 1], fill=bg)
            if c in "█▓▒░":
                # Block glyphs fill the whole cell, as a terminal draws them.
                shade = {"█": 1.0, "▓": 0.75, "▒": 0.5, "░": 0.25}[c]
                col = tuple(int(f * shade + b * (1 - shade)) for f, b in zip(fg, bg))
                draw.rectangle([px, py, px + cw - 1, py + ch - 1], fill=col)
                continue
            if c != " ":
                draw.text((px, py + 2), c, font=bold if is_bold else font, fill=fg)
            if underline:
                draw.line([px, py + ch - 2, px + cw - 1, py + ch - 2], fill=fg)
    img.save(dst)


if __name__ == "__main__":
    main()
