package templates

import "testing"

// BenchmarkFormats renders every vector in each format it carries.
func BenchmarkFormats(b *testing.B) {
	vs := loadVectors(b)
	for _, f := range Formats() {
		var pairs []Pair
		for _, v := range vs {
			if f.refuse(v.name, v.value) == "" {
				pairs = append(pairs, Pair{v.name, v.value})
			}
		}
		b.Run(f.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Export(f.Name, pairs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
