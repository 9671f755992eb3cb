package targets

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
)

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// noise is an image PNG cannot compress: w×h×4 bytes or so.
func noise(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
	}
	return img
}

func decode(t *testing.T, im Image) (image.Image, string) {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(im.Data))
	if err != nil {
		t.Fatalf("result does not decode: %v", err)
	}
	return img, format
}

func TestFitImage(t *testing.T) {
	small := encodePNG(t, image.NewNRGBA(image.Rect(0, 0, 40, 30)))
	var bmpData bytes.Buffer
	_ = bmp.Encode(&bmpData, image.NewRGBA(image.Rect(0, 0, 20, 10)))
	var jpg bytes.Buffer
	_ = jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 20, 10)), nil)
	big := encodePNG(t, noise(700, 500)) // ≈1.4 MB

	t.Run("a PNG that fits is sent as it is", func(t *testing.T) {
		got, err := fitImage(Image{MIME: "image/png", Data: small}, wordPressTypes, 0, "image 1")
		if err != nil || !bytes.Equal(got.Data, small) || got.MIME != "image/png" {
			t.Fatalf("got %s %d bytes, %v", got.MIME, len(got.Data), err)
		}
	})
	t.Run("the declared type is corrected from the bytes", func(t *testing.T) {
		got, err := fitImage(Image{MIME: "image/png", Data: jpg.Bytes()}, wordPressTypes, 0, "image 1")
		if err != nil || got.MIME != "image/jpeg" || !bytes.Equal(got.Data, jpg.Bytes()) {
			t.Fatalf("got %s, %v", got.MIME, err)
		}
	})
	t.Run("BMP becomes PNG", func(t *testing.T) {
		got, err := fitImage(Image{MIME: "image/bmp", Data: bmpData.Bytes()}, wordPressTypes, 0, "image 1")
		if err != nil || got.MIME != "image/png" {
			t.Fatalf("got %s, %v", got.MIME, err)
		}
		if img, f := decode(t, got); f != "png" || img.Bounds().Dx() != 20 {
			t.Errorf("decoded %s %v", f, img.Bounds())
		}
	})
	t.Run("too large becomes a JPEG within the limit", func(t *testing.T) {
		if len(big) <= 1<<20 {
			t.Fatalf("test image of %d bytes is not over the limit", len(big))
		}
		got, err := fitImage(Image{MIME: "image/png", Data: big}, wordPressTypes, 1<<20, "image 1")
		if err != nil || got.MIME != "image/jpeg" || len(got.Data) > 1<<20 {
			t.Fatalf("got %s %d bytes, %v", got.MIME, len(got.Data), err)
		}
		if _, f := decode(t, got); f != "jpeg" {
			t.Errorf("format %s", f)
		}
	})
	t.Run("a tight limit scales the picture down", func(t *testing.T) {
		got, err := fitImage(Image{MIME: "image/png", Data: big}, wordPressTypes, 60<<10, "image 1")
		if err != nil || len(got.Data) > 60<<10 {
			t.Fatalf("got %d bytes, %v", len(got.Data), err)
		}
		if img, _ := decode(t, got); img.Bounds().Dx() >= 700 {
			t.Errorf("not scaled: %v", img.Bounds())
		}
	})
	t.Run("huge pictures are scaled to 4096", func(t *testing.T) {
		huge := encodePNG(t, image.NewGray(image.Rect(0, 0, 5000, 100)))
		got, err := fitImage(Image{MIME: "image/png", Data: huge}, wordPressTypes, 0, "image 1")
		if err != nil {
			t.Fatal(err)
		}
		if img, _ := decode(t, got); img.Bounds().Dx() != 4096 || img.Bounds().Dy() != 81 {
			t.Errorf("scaled to %v", img.Bounds())
		}
	})
	t.Run("SVG becomes PNG", func(t *testing.T) {
		svg := `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="32"><rect width="64" height="32" fill="#ff0000"/></svg>`
		got, err := fitImage(Image{MIME: "image/svg+xml", Data: []byte(svg)}, wordPressTypes, 0, "image 1")
		if err != nil || got.MIME != "image/png" {
			t.Fatalf("got %s, %v", got.MIME, err)
		}
		img, _ := decode(t, got)
		if img.Bounds().Dx() != 1280 || img.Bounds().Dy() != 640 {
			t.Errorf("size %v, want 1280×640", img.Bounds())
		}
		if r, g, b, _ := img.At(640, 320).RGBA(); r>>8 != 255 || g != 0 || b != 0 {
			t.Errorf("centre is %v, want red", img.At(640, 320))
		}
	})
	for _, tt := range []struct {
		name, mime, data string
		kind             error
		want             string
	}{
		{"text", "image/png", "hello", ErrInvalidPost, "image 2 is not an image file autopress can read"},
		{"damaged PNG", "image/png", "\x89PNG\r\n\x1a\nbroken", ErrInvalidPost, "image 2 is a damaged PNG file"},
		{"SVG with paths", "image/svg+xml", `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><path d="M0 0L10 10"/></svg>`, ErrRefused,
			"image 2 is an SVG drawing, which the target does not accept, and autopress cannot convert it (it uses <path>, which autopress does not draw)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fitImage(Image{MIME: tt.mime, Data: []byte(tt.data)}, wordPressTypes, 0, "image 2")
			if !errors.Is(err, tt.kind) || !Permanent(err) || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %v starting %q", err, tt.kind, tt.want)
			}
		})
	}
}

func TestRasterSVGOldLocalImage(t *testing.T) {
	svg := `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360" viewBox="0 0 640 360">
<title>x</title>
<defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#ffffff"/><stop offset="1" stop-color="#000000"/></linearGradient></defs>
<rect width="640" height="360" fill="url(#bg)"/>
<g transform="translate(10,0)"><circle cx="90" cy="90" r="40" fill="blue" fill-opacity="1"/></g>
<rect x="300" y="100" width="100" height="20" fill="#0f0" transform="rotate(90 350 110)"/>
<text x="20" y="337" font-size="18" fill="#fff">caption</text>
</svg>`
	img, err := rasterSVG([]byte(svg))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 1280 || img.Bounds().Dy() != 720 {
		t.Fatalf("size %v", img.Bounds())
	}
	at := func(x, y int) color.RGBA {
		r, g, b, a := img.At(x*2, y*2).RGBA()
		return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
	}
	if c := at(100, 90); c.B != 255 || c.R != 0 {
		t.Errorf("circle centre (moved by the group's translate) = %v, want blue", c)
	}
	if c := at(2, 2); c.R < 240 {
		t.Errorf("top-left of the gradient = %v, want near white", c)
	}
	if c := at(636, 356); c.R > 20 {
		t.Errorf("bottom-right of the gradient = %v, want near black", c)
	}
	// Rotated by 90° about its centre, the 100×20 bar stands upright.
	if c := at(350, 150); c.G != 255 || c.R != 0 {
		t.Errorf("rotated bar at (350,150) = %v, want green", c)
	}
	if c := at(390, 110); c.G == 255 && c.R == 0 {
		t.Errorf("(390,110) is green: the bar was not rotated")
	}
}

func TestPlaceImages(t *testing.T) {
	body := `<p>a</p><h2>One</h2><p>b</p><h2 class="x">Two &amp; <em>more</em></h2><p>c</p>`
	tests := []struct {
		name string
		figs []Figure
		want string
	}{
		{"none", nil, body},
		{"by section", []Figure{{Section: 1, HTML: "[1]"}, {Section: 0, HTML: "[0]"}},
			`<p>a</p><h2>One</h2>[0]<p>b</p><h2 class="x">Two &amp; <em>more</em></h2>[1]<p>c</p>`},
		{"alt names the heading", []Figure{{Section: 0, Alt: "two & MORE", HTML: "[x]"}},
			`<p>a</p><h2>One</h2><p>b</p><h2 class="x">Two &amp; <em>more</em></h2>[x]<p>c</p>`},
		{"past the last section", []Figure{{Section: 5, HTML: "[5]"}, {Section: -1, HTML: "[-]"}}, body + "[5][-]"},
		{"two in one section keep their order", []Figure{{Section: 0, HTML: "[a]"}, {Section: 0, HTML: "[b]"}},
			`<p>a</p><h2>One</h2>[a][b]<p>b</p><h2 class="x">Two &amp; <em>more</em></h2><p>c</p>`},
	}
	for _, tt := range tests {
		if got := PlaceImages(body, tt.figs); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
	if got := FigureHTML(`a"b.png`, `x<y & "z"`, "wp-image-7"); got != `<figure class="wp-block-image"><img src="a&#34;b.png" alt="x&lt;y &amp; &#34;z&#34;" class="wp-image-7"/></figure>` {
		t.Errorf("FigureHTML = %s", got)
	}
}
