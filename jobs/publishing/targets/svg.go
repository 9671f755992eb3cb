package targets

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/image/colornames"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/f64"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// rasterSVG draws a simple SVG document — the kind autopress's local AI
// provider made before it drew PNGs, and flat illustrations like it: rect,
// circle, ellipse, polygon, polyline, line and text, in groups, with solid
// or two-stop linear-gradient fills, opacity and rotate/translate/scale
// transforms. Anything else (paths, images, filters, …) is an error rather
// than a wrong picture. Small drawings are scaled up to 1280 pixels wide.
func rasterSVG(data []byte) (image.Image, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	r := &svgRaster{gradients: map[string]svgGradient{}}
	var stack []svgStyle
	var text *svgText
	var grad *svgGradient
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not a readable SVG document: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			a := attrs(t)
			parent := svgStyle{fill: color.NRGBA{A: 255}, opacity: 1, m: identity}
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			st, err := parent.with(a)
			if err != nil {
				return nil, err
			}
			stack = append(stack, st)
			name := t.Name.Local
			if r.img == nil && name != "svg" {
				return nil, errors.New("the document is not an SVG drawing")
			}
			switch name {
			case "svg":
				if r.img != nil {
					return nil, errors.New("it nests <svg> elements")
				}
				if err := r.start(a); err != nil {
					return nil, err
				}
				stack[len(stack)-1].m = r.base
			case "g", "defs", "title", "desc", "metadata", "style":
			case "linearGradient":
				grad = &svgGradient{id: a["id"], x2: 1}
				grad.x1, grad.y1 = num(a["x1"], 0), num(a["y1"], 0)
				grad.x2, grad.y2 = num(a["x2"], 1), num(a["y2"], 0)
			case "stop":
				if grad != nil {
					c, ok := parseColor(a["stop-color"])
					if !ok {
						c = color.NRGBA{A: 255}
					}
					grad.stops = append(grad.stops, svgStop{offset: num(strings.TrimSuffix(a["offset"], "%"), 0), c: c})
				}
			case "rect", "circle", "ellipse", "polygon", "polyline", "line":
				if err := r.shape(name, a, st); err != nil {
					return nil, err
				}
			case "text", "tspan":
				if text == nil {
					text = &svgText{x: num(a["x"], 0), y: num(a["y"], 0), size: num(strings.TrimSuffix(a["font-size"], "px"), 16), st: st}
				}
			default:
				return nil, fmt.Errorf("it uses <%s>, which autopress does not draw", name)
			}
		case xml.CharData:
			if text != nil {
				text.s += string(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "linearGradient":
				if grad != nil && grad.id != "" {
					r.gradients[grad.id] = *grad
				}
				grad = nil
			case "text":
				if text != nil {
					r.text(*text)
				}
				text = nil
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if r.img == nil {
		return nil, errors.New("the document has no <svg> element")
	}
	return r.img, nil
}

type svgRaster struct {
	img       *image.RGBA
	base      f64.Aff3 // viewBox → pixels
	gradients map[string]svgGradient
}

type svgGradient struct {
	id             string
	x1, y1, x2, y2 float64
	stops          []svgStop
}

type svgStop struct {
	offset float64
	c      color.NRGBA
}

type svgText struct {
	x, y, size float64
	s          string
	st         svgStyle
}

// svgStyle is what an element inherits.
type svgStyle struct {
	fill    color.NRGBA
	fillURL string // gradient id
	none    bool
	opacity float64 // fill-opacity × opacity
	m       f64.Aff3
}

var identity = f64.Aff3{1, 0, 0, 0, 1, 0}

func (s svgStyle) with(a map[string]string) (svgStyle, error) {
	if v, ok := a["fill"]; ok {
		switch {
		case v == "none":
			s.none = true
		case strings.HasPrefix(v, "url(#"):
			s.none, s.fillURL = false, strings.TrimSuffix(strings.TrimPrefix(v, "url(#"), ")")
		default:
			c, ok := parseColor(v)
			if !ok {
				return s, fmt.Errorf("it uses the colour %q, which autopress does not read", v)
			}
			s.none, s.fillURL, s.fill = false, "", c
		}
	}
	s.opacity *= clamp01(num(a["fill-opacity"], 1)) * clamp01(num(a["opacity"], 1))
	if v := a["transform"]; v != "" {
		t, err := parseTransform(v)
		if err != nil {
			return s, err
		}
		s.m = mul(s.m, t)
	}
	return s, nil
}

// start sizes the canvas from width/height and viewBox.
func (r *svgRaster) start(a map[string]string) error {
	vb := strings.FieldsFunc(a["viewBox"], func(c rune) bool { return c == ' ' || c == ',' })
	w, h := num(strings.TrimSuffix(a["width"], "px"), 0), num(strings.TrimSuffix(a["height"], "px"), 0)
	var vx, vy, vw, vh float64
	if len(vb) == 4 {
		vx, vy, vw, vh = num(vb[0], 0), num(vb[1], 0), num(vb[2], 0), num(vb[3], 0)
	}
	if w <= 0 || h <= 0 {
		w, h = vw, vh
	}
	if vw <= 0 || vh <= 0 {
		vx, vy, vw, vh = 0, 0, w, h
	}
	if w <= 0 || h <= 0 || vw <= 0 || vh <= 0 {
		return errors.New("it has no size (width, height or viewBox)")
	}
	scale := min(max(1, 1280/w), float64(maxImageSide)/max(w, h))
	pw, ph := int(math.Round(w*scale)), int(math.Round(h*scale))
	r.img = image.NewRGBA(image.Rect(0, 0, max(pw, 1), max(ph, 1)))
	sx, sy := float64(pw)/vw, float64(ph)/vh
	r.base = f64.Aff3{sx, 0, -vx * sx, 0, sy, -vy * sy}
	return nil
}

func (r *svgRaster) shape(name string, a map[string]string, st svgStyle) error {
	if st.none || st.opacity <= 0 {
		return nil
	}
	var pts [][2]float64
	switch name {
	case "rect":
		x, y, w, h := num(a["x"], 0), num(a["y"], 0), num(a["width"], 0), num(a["height"], 0)
		pts = [][2]float64{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}}
	case "circle", "ellipse":
		cx, cy := num(a["cx"], 0), num(a["cy"], 0)
		rx, ry := num(a["r"], 0), num(a["r"], 0)
		if name == "ellipse" {
			rx, ry = num(a["rx"], 0), num(a["ry"], 0)
		}
		for i := range 64 {
			t := 2 * math.Pi * float64(i) / 64
			pts = append(pts, [2]float64{cx + rx*math.Cos(t), cy + ry*math.Sin(t)})
		}
	case "polygon", "polyline":
		f := strings.FieldsFunc(a["points"], func(c rune) bool { return c == ' ' || c == ',' || c == '\n' || c == '\t' })
		for i := 0; i+1 < len(f); i += 2 {
			pts = append(pts, [2]float64{num(f[i], 0), num(f[i+1], 0)})
		}
	case "line":
		return nil // a line has no fill; strokes are not drawn
	}
	if len(pts) < 3 {
		return nil
	}
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i, p := range pts {
		pts[i] = apply(st.m, p)
		minX, maxX = min(minX, pts[i][0]), max(maxX, pts[i][0])
		minY, maxY = min(minY, pts[i][1]), max(maxY, pts[i][1])
	}
	box := image.Rect(int(math.Floor(minX)), int(math.Floor(minY)), int(math.Ceil(maxX)), int(math.Ceil(maxY))).Intersect(r.img.Bounds())
	if box.Empty() {
		return nil
	}
	ras := vector.NewRasterizer(box.Dx(), box.Dy())
	ox, oy := float64(box.Min.X), float64(box.Min.Y)
	ras.MoveTo(float32(pts[0][0]-ox), float32(pts[0][1]-oy))
	for _, p := range pts[1:] {
		ras.LineTo(float32(p[0]-ox), float32(p[1]-oy))
	}
	ras.ClosePath()
	var src image.Image = image.NewUniform(withAlpha(st.fill, st.opacity))
	if st.fillURL != "" {
		g, ok := r.gradients[st.fillURL]
		if !ok || len(g.stops) == 0 {
			return fmt.Errorf("it fills with #%s, which is not a linear gradient it defines", st.fillURL)
		}
		src = gradientImage(g, image.Rect(int(minX), int(minY), int(maxX), int(maxY)), st.opacity)
	}
	ras.Draw(r.img, box, src, box.Min)
	return nil
}

// gradientImage renders g over box (objectBoundingBox units).
func gradientImage(g svgGradient, box image.Rectangle, opacity float64) image.Image {
	img := image.NewNRGBA(box)
	first, last := g.stops[0], g.stops[len(g.stops)-1]
	dx, dy := g.x2-g.x1, g.y2-g.y1
	den := dx*dx + dy*dy
	for y := box.Min.Y; y < box.Max.Y; y++ {
		for x := box.Min.X; x < box.Max.X; x++ {
			u := float64(x-box.Min.X) / float64(max(box.Dx(), 1))
			v := float64(y-box.Min.Y) / float64(max(box.Dy(), 1))
			t := 0.0
			if den > 0 {
				t = ((u-g.x1)*dx + (v-g.y1)*dy) / den
			}
			c := first.c
			switch {
			case t <= first.offset:
			case t >= last.offset:
				c = last.c
			default:
				for i := 1; i < len(g.stops); i++ {
					a, b := g.stops[i-1], g.stops[i]
					if t <= b.offset {
						f := (t - a.offset) / max(b.offset-a.offset, 1e-9)
						c = color.NRGBA{mix(a.c.R, b.c.R, f), mix(a.c.G, b.c.G, f), mix(a.c.B, b.c.B, f), mix(a.c.A, b.c.A, f)}
						break
					}
				}
			}
			img.SetNRGBA(x, y, withAlpha(c, opacity))
		}
	}
	return img
}

func (r *svgRaster) text(t svgText) {
	s := strings.Join(strings.Fields(t.s), " ")
	if s == "" || t.st.none {
		return
	}
	p := apply(t.st.m, [2]float64{t.x, t.y})
	scale := math.Hypot(t.st.m[0], t.st.m[3])
	face, err := opentype.NewFace(svgFont(), &opentype.FaceOptions{Size: max(t.size*scale, 1), DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return
	}
	defer face.Close()
	d := font.Drawer{Dst: r.img, Src: image.NewUniform(withAlpha(t.st.fill, t.st.opacity)), Face: face, Dot: fixed.P(int(p[0]), int(p[1]))}
	d.DrawString(s)
}

var svgFont = sync.OnceValue(func() *opentype.Font {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		panic("targets: the embedded Go Regular font does not parse: " + err.Error())
	}
	return f
})

func attrs(t xml.StartElement) map[string]string {
	a := map[string]string{}
	for _, at := range t.Attr {
		a[at.Name.Local] = strings.TrimSpace(at.Value)
	}
	// style="fill:…;opacity:…" overrides the attributes, as in CSS.
	for _, decl := range strings.Split(a["style"], ";") {
		if k, v, ok := strings.Cut(decl, ":"); ok {
			a[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return a
}

func num(s string, def float64) float64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return def
	}
	return v
}

func clamp01(v float64) float64 { return min(max(v, 0), 1) }

func parseColor(s string) (color.NRGBA, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if c, ok := colornames.Map[s]; ok {
		return color.NRGBA{c.R, c.G, c.B, 255}, true
	}
	if h, ok := strings.CutPrefix(s, "#"); ok {
		if len(h) == 3 {
			h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
		}
		v, err := strconv.ParseUint(h, 16, 32)
		if err != nil || len(h) != 6 {
			return color.NRGBA{}, false
		}
		return color.NRGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}, true
	}
	if in, ok := strings.CutPrefix(s, "rgb("); ok {
		f := strings.Split(strings.TrimSuffix(in, ")"), ",")
		if len(f) != 3 {
			return color.NRGBA{}, false
		}
		var c [3]uint8
		for i, v := range f {
			c[i] = uint8(min(max(num(v, 0), 0), 255))
		}
		return color.NRGBA{c[0], c[1], c[2], 255}, true
	}
	return color.NRGBA{}, false
}

func withAlpha(c color.NRGBA, opacity float64) color.NRGBA {
	c.A = uint8(math.Round(float64(c.A) * clamp01(opacity)))
	return c
}

func mix(a, b uint8, f float64) uint8 {
	return uint8(math.Round(float64(a) + (float64(b)-float64(a))*f))
}

// parseTransform reads a list of translate, scale and rotate functions.
func parseTransform(s string) (f64.Aff3, error) {
	m := identity
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		open, end := strings.IndexByte(s, '('), strings.IndexByte(s, ')')
		if open < 0 || end < open {
			return m, fmt.Errorf("it has a transform autopress does not read (%q)", s)
		}
		name := strings.TrimSpace(s[:open])
		var v []float64
		for _, f := range strings.FieldsFunc(s[open+1:end], func(c rune) bool { return c == ' ' || c == ',' }) {
			v = append(v, num(f, 0))
		}
		s = strings.TrimLeft(s[end+1:], " ,")
		var t f64.Aff3
		switch {
		case name == "translate" && len(v) >= 1:
			ty := 0.0
			if len(v) > 1 {
				ty = v[1]
			}
			t = f64.Aff3{1, 0, v[0], 0, 1, ty}
		case name == "scale" && len(v) >= 1:
			sy := v[0]
			if len(v) > 1 {
				sy = v[1]
			}
			t = f64.Aff3{v[0], 0, 0, 0, sy, 0}
		case name == "rotate" && len(v) >= 1:
			a := v[0] * math.Pi / 180
			cos, sin := math.Cos(a), math.Sin(a)
			t = f64.Aff3{cos, -sin, 0, sin, cos, 0}
			if len(v) == 3 {
				t = mul(mul(f64.Aff3{1, 0, v[1], 0, 1, v[2]}, t), f64.Aff3{1, 0, -v[1], 0, 1, -v[2]})
			}
		default:
			return m, fmt.Errorf("it uses the transform %s, which autopress does not read", name)
		}
		m = mul(m, t)
	}
	return m, nil
}

// mul returns a·b (b applied first).
func mul(a, b f64.Aff3) f64.Aff3 {
	return f64.Aff3{
		a[0]*b[0] + a[1]*b[3], a[0]*b[1] + a[1]*b[4], a[0]*b[2] + a[1]*b[5] + a[2],
		a[3]*b[0] + a[4]*b[3], a[3]*b[1] + a[4]*b[4], a[3]*b[2] + a[4]*b[5] + a[5],
	}
}

func apply(m f64.Aff3, p [2]float64) [2]float64 {
	return [2]float64{m[0]*p[0] + m[1]*p[1] + m[2], m[3]*p[0] + m[4]*p[1] + m[5]}
}
