package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"strings"
)

// The test cloud's files are made here, in code, the same on every start: small but valid PDFs, PNGs and JPEGs
// that a browser opens, so that a picked file looks like a file.

// pdfDoc returns a one-page PDF with a title and lines of text (Helvetica, US Letter).
func pdfDoc(title string, lines ...string) []byte {
	var content strings.Builder
	fmt.Fprintf(&content, "BT /F2 22 Tf 72 716 Td (%s) Tj ET\n", pdfEscape(title))
	content.WriteString("0.6 0.6 0.6 RG 72 704 m 540 704 l S\n")
	content.WriteString("BT /F1 12 Tf 16 TL 72 680 Td\n")
	for _, l := range lines {
		fmt.Fprintf(&content, "(%s) '\n", pdfEscape(l))
	}
	content.WriteString("ET\n")
	stream := content.String()

	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", len(stream), stream),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// pdfEscape escapes a PDF string literal and keeps it to printable ASCII (the standard fonts' safe range).
func pdfEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\u2013' || r == '\u2014':
			b.WriteByte('-')
		case r == '\u2019':
			b.WriteByte('\'')
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// picture draws a deterministic, pleasant picture: a sky-to-ground gradient with hills and a sun, tinted by
// hue (0..1). It is the demo's stand-in for photos and diagrams.
func picture(w, h int, hue float64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	sky := hsv(hue, 0.35, 0.95)
	ground := hsv(math.Mod(hue+0.25, 1), 0.55, 0.55)
	sunX, sunY, sunR := float64(w)*0.72, float64(h)*0.28, float64(h)*0.12
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			fy := float64(y) / float64(h)
			hill := 0.62 + 0.08*math.Sin(float64(x)/float64(w)*math.Pi*3+hue*6) + 0.05*math.Sin(float64(x)/float64(w)*math.Pi*7)
			var c color.RGBA
			switch {
			case fy > hill:
				c = mix(ground, color.RGBA{20, 40, 20, 255}, (fy-hill)*1.5)
			case math.Hypot(float64(x)-sunX, float64(y)-sunY) < sunR:
				c = color.RGBA{255, 230, 140, 255}
			default:
				c = mix(sky, color.RGBA{255, 255, 255, 255}, fy*0.8)
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// diagram draws a cell-like diagram: a membrane, a nucleus and a few organelles.
func diagram(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	cx, cy := float64(w)/2, float64(h)/2
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := (float64(x)-cx)/(float64(w)*0.42), (float64(y)-cy)/(float64(h)*0.4)
			d := math.Hypot(dx, dy)
			c := color.RGBA{250, 250, 245, 255}
			switch {
			case d < 0.25:
				c = color.RGBA{120, 80, 160, 255}
			case d < 0.28:
				c = color.RGBA{80, 50, 120, 255}
			case d < 0.97:
				c = color.RGBA{200, 235, 200, 255}
				for i := 0; i < 5; i++ {
					a := float64(i) * 2 * math.Pi / 5
					ox, oy := cx+math.Cos(a)*float64(w)*0.26, cy+math.Sin(a)*float64(h)*0.24
					if math.Hypot((float64(x)-ox)/1.8, float64(y)-oy) < float64(h)*0.05 {
						c = color.RGBA{60, 150, 70, 255}
					}
				}
			case d < 1:
				c = color.RGBA{40, 110, 50, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func pngOf(img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(fmt.Sprintf("lms: encode png: %v", err)) // an in-memory RGBA image always encodes
	}
	return b.Bytes()
}

func jpegOf(img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 82}); err != nil {
		panic(fmt.Sprintf("lms: encode jpeg: %v", err))
	}
	return b.Bytes()
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	t = math.Max(0, math.Min(1, t))
	l := func(x, y uint8) uint8 { return uint8(float64(x)*(1-t) + float64(y)*t) }
	return color.RGBA{l(a.R, b.R), l(a.G, b.G), l(a.B, b.B), 255}
}

// hsv converts hue, saturation and value (0..1) to a colour.
func hsv(h, s, v float64) color.RGBA {
	i := math.Floor(h * 6)
	f := h*6 - i
	p, q, t := v*(1-s), v*(1-f*s), v*(1-(1-f)*s)
	var r, g, b float64
	switch int(i) % 6 {
	case 0:
		r, g, b = v, t, p
	case 1:
		r, g, b = q, v, p
	case 2:
		r, g, b = p, v, t
	case 3:
		r, g, b = p, q, v
	case 4:
		r, g, b = t, p, v
	default:
		r, g, b = v, p, q
	}
	return color.RGBA{uint8(r * 255), uint8(g * 255), uint8(b * 255), 255}
}
