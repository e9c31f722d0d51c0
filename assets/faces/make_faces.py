"""Makes the test faces in this folder (run from the repository root with Pillow installed).

synthetic.png: a drawn, fictional passport-style face (no real person), 350x450 (7:9, like a
35x45 mm photo), with soft shading and sensor-like noise so encoders see texture.

astronaut.png: a passport-style crop of scikit-image's `astronaut.png` (NASA portrait of
Eileen Collins, public domain, as shipped in the scikit-image wheel under skimage/data/).
Pass the path to that file as the first argument to remake it.
"""
import random
import sys

from PIL import Image, ImageDraw, ImageFilter

OUT = "assets/faces"


def synthetic():
    w, h = 350, 450
    img = Image.new("RGB", (w, h))
    d = ImageDraw.Draw(img)
    for y in range(h):  # studio background: light grey-blue gradient
        c = 222 - y * 30 // h
        d.line([(0, y), (w, y)], fill=(c - 8, c - 2, c + 6))
    skin, shade = (224, 178, 146), (196, 146, 116)
    # Shoulders and a dark jacket, a white collar, the neck.
    d.ellipse([20, 380, 330, 640], fill=(44, 52, 70))
    d.polygon([(140, 372), (175, 430), (210, 372)], fill=(235, 235, 240))
    d.rectangle([145, 300, 205, 385], fill=shade)
    # Hair behind the head, the ears, the face.
    d.ellipse([78, 48, 272, 290], fill=(52, 36, 28))
    d.ellipse([86, 175, 116, 235], fill=shade)
    d.ellipse([234, 175, 264, 235], fill=shade)
    d.ellipse([100, 80, 250, 330], fill=skin)
    # Fringe over the forehead.
    d.chord([92, 52, 258, 200], 180, 360, fill=(52, 36, 28))
    d.polygon([(100, 128), (150, 112), (120, 160)], fill=(52, 36, 28))
    # Eyebrows, eyes (white, iris, pupil, highlight), nose shadow, mouth.
    for cx in (142, 208):
        d.line([(cx - 20, 168), (cx, 162), (cx + 20, 167)], fill=(60, 40, 30), width=5)
        d.ellipse([cx - 17, 182, cx + 17, 200], fill=(245, 245, 245))
        d.ellipse([cx - 8, 182, cx + 8, 200], fill=(92, 64, 40))
        d.ellipse([cx - 4, 187, cx + 4, 195], fill=(15, 10, 10))
        d.ellipse([cx + 1, 186, cx + 4, 189], fill=(255, 255, 255))
    d.polygon([(175, 200), (165, 250), (185, 252)], fill=shade)
    d.arc([158, 244, 192, 262], 0, 180, fill=(150, 100, 80), width=3)
    d.chord([150, 270, 200, 296], 0, 180, fill=(176, 92, 92))
    d.line([(152, 276), (198, 276)], fill=(120, 60, 60), width=2)
    img = img.filter(ImageFilter.GaussianBlur(1.6))
    rnd = random.Random(11)
    px = img.load()
    for y in range(h):
        for x in range(w):
            n = rnd.randint(-6, 6)
            r, g, b = px[x, y]
            px[x, y] = (max(0, min(255, r + n)), max(0, min(255, g + n)), max(0, min(255, b + n)))
    img.save(f"{OUT}/synthetic.png", optimize=True)


def astronaut(path):
    # The face spans about x 160-290 and y 15-185 in the 512x512 original: a 7:9 box with
    # crown to chin at three quarters of its height.
    Image.open(path).convert("RGB").crop((137, 0, 313, 227)).save(f"{OUT}/astronaut.png", optimize=True)


synthetic()
if len(sys.argv) > 1:
    astronaut(sys.argv[1])
