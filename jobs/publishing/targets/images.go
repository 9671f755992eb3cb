package targets

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"strings"

	"golang.org/x/image/bmp"
	"golang.org/x/image/draw"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

// Image types by the format names image.DecodeConfig reports.
var imageFormats = map[string]struct{ mime, ext string }{
	"png":  {"image/png", ".png"},
	"jpeg": {"image/jpeg", ".jpg"},
	"gif":  {"image/gif", ".gif"},
	"webp": {"image/webp", ".webp"},
	"bmp":  {"image/bmp", ".bmp"},
	"tiff": {"image/tiff", ".tif"},
}

// wordPressTypes are the image types a stock WordPress accepts for upload
// (6.1: JPEG, PNG, GIF, WebP; not SVG, not AVIF before 6.5).
var wordPressTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true}

const (
	// DefaultMaxImageBytes is the largest image sent as it is: nginx's
	// default request body limit is 1 MB, PHP's upload limit often 2 MB.
	// Larger images are re-encoded (JPEG) and, if needed, scaled down.
	DefaultMaxImageBytes = 1 << 20
	// maxImageSide bounds width and height: WordPress scales anything over
	// 2560 itself, and huge images exhaust PHP's memory while it does.
	maxImageSide = 4096
)

// decoders for image.DecodeConfig and decode, without registering formats
// globally for the rest of the program.
var decoders = map[string]func([]byte) (image.Image, error){
	"png":  func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) },
	"jpeg": func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) },
	"gif":  func(b []byte) (image.Image, error) { return gif.Decode(bytes.NewReader(b)) },
	"webp": func(b []byte) (image.Image, error) { return webp.Decode(bytes.NewReader(b)) },
	"bmp":  func(b []byte) (image.Image, error) { return bmp.Decode(bytes.NewReader(b)) },
	"tiff": func(b []byte) (image.Image, error) { return tiff.Decode(bytes.NewReader(b)) },
}

var configDecoders = map[string]func([]byte) (image.Config, error){
	"png":  func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) },
	"jpeg": func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) },
	"gif":  func(b []byte) (image.Config, error) { return gif.DecodeConfig(bytes.NewReader(b)) },
	"webp": func(b []byte) (image.Config, error) { return webp.DecodeConfig(bytes.NewReader(b)) },
	"bmp":  func(b []byte) (image.Config, error) { return bmp.DecodeConfig(bytes.NewReader(b)) },
	"tiff": func(b []byte) (image.Config, error) { return tiff.DecodeConfig(bytes.NewReader(b)) },
}

// sniffFormat names the image format of data from its first bytes ("" when
// it is none of imageFormats).
func sniffFormat(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "jpeg"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "gif"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "webp"
	case bytes.HasPrefix(b, []byte("BM")):
		return "bmp"
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return "tiff"
	}
	return ""
}

// isSVG spots SVG documents, declared or not.
func isSVG(img Image) bool {
	if strings.HasPrefix(strings.ToLower(img.MIME), "image/svg") {
		return true
	}
	head := strings.ToLower(string(img.Data[:min(len(img.Data), 1024)]))
	return strings.Contains(head, "<svg")
}

// fitImage returns img as a target accepting the types in accept (MIME
// types) up to maxBytes can take it: unchanged when it already fits (with
// its real type, whatever it was declared as), otherwise converted — PNG,
// or JPEG when PNG would be too large — and scaled down when needed. what
// names the image in errors ("image 2").
func fitImage(img Image, accept map[string]bool, maxBytes int, what string) (Image, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxImageBytes
	}
	format := sniffFormat(img.Data)
	if format == "" {
		if isSVG(img) {
			src, err := rasterSVG(img.Data)
			if err != nil {
				return Image{}, userErr(fmt.Sprintf("%s is an SVG drawing, which the target does not accept, and autopress cannot convert it (%v)", what, err), ErrRefused)
			}
			return encodeFitting(img, src, maxBytes, accept, what)
		}
		return Image{}, userErr(what+" is not an image file autopress can read (PNG, JPEG, GIF, WebP, BMP, TIFF or SVG)", ErrInvalidPost)
	}
	cfg, err := configDecoders[format](img.Data)
	if err != nil {
		return Image{}, userErr(fmt.Sprintf("%s is a damaged %s file (%v)", what, strings.ToUpper(format), err), ErrInvalidPost)
	}
	f := imageFormats[format]
	if accept[f.mime] && len(img.Data) <= maxBytes && cfg.Width <= maxImageSide && cfg.Height <= maxImageSide {
		img.MIME = f.mime
		return img, nil
	}
	src, err := decoders[format](img.Data)
	if err != nil {
		return Image{}, userErr(fmt.Sprintf("%s is a damaged %s file (%v)", what, strings.ToUpper(format), err), ErrInvalidPost)
	}
	return encodeFitting(img, src, maxBytes, accept, what)
}

// encodeFitting encodes src as PNG, or as JPEG when the PNG is over
// maxBytes, scaling it down until it fits.
func encodeFitting(img Image, src image.Image, maxBytes int, accept map[string]bool, what string) (Image, error) {
	src = scaleToFit(src, maxImageSide)
	if accept["image/png"] {
		var b bytes.Buffer
		if err := png.Encode(&b, src); err == nil && b.Len() <= maxBytes {
			img.Data, img.MIME = b.Bytes(), "image/png"
			return img, nil
		}
	}
	if !accept["image/jpeg"] {
		return Image{}, userErr(what+" cannot be converted to a type the target accepts", ErrRefused)
	}
	flat := flatten(src)
	for range 6 {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, flat, &jpeg.Options{Quality: 85}); err != nil {
			return Image{}, fmt.Errorf("%s: encode JPEG: %w", what, err)
		}
		if b.Len() <= maxBytes {
			img.Data, img.MIME = b.Bytes(), "image/jpeg"
			return img, nil
		}
		// JPEG size grows about with the pixel count.
		f := math.Sqrt(float64(maxBytes)/float64(b.Len())) * 0.9
		bounds := flat.Bounds()
		flat = flatten(scaleToFit(flat, int(float64(max(bounds.Dx(), bounds.Dy()))*f)))
	}
	return Image{}, userErr(fmt.Sprintf("%s cannot be made smaller than %d KB", what, maxBytes>>10), ErrRefused)
}

// scaleToFit scales src down so neither side exceeds side.
func scaleToFit(src image.Image, side int) image.Image {
	b := src.Bounds()
	if b.Dx() <= side && b.Dy() <= side || side < 1 {
		return src
	}
	f := float64(side) / float64(max(b.Dx(), b.Dy()))
	dst := image.NewRGBA(image.Rect(0, 0, max(1, int(float64(b.Dx())*f)), max(1, int(float64(b.Dy())*f))))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	return dst
}

// flatten draws src over white: JPEG has no transparency.
func flatten(src image.Image) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(dst, dst.Bounds(), src, b.Min, draw.Over)
	return dst
}
