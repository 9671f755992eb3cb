package ai

import (
	"strconv"
	"testing"
)

// BenchmarkLocalGenerateImage draws and encodes one PNG per iteration.
func BenchmarkLocalGenerateImage(b *testing.B) {
	l := NewLocal(0)
	var n int
	for i := 0; b.Loop(); i++ {
		img, err := l.GenerateImage(b.Context(), Site{}, ImagePrompt{Prompt: "Illustration for: Grinding the beans " + strconv.Itoa(i)})
		if err != nil {
			b.Fatal(err)
		}
		n = len(img.Data)
	}
	b.ReportMetric(float64(n), "bytes/image")
}
