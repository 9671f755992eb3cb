package views

// operationNames are the AI functions (credit operations) as people read them.
var operationNames = map[string]string{
	"clustering":              "Clustering",
	"idea_generation":         "Idea generation",
	"content_generation":      "Content generation",
	"image_prompt_extraction": "Image prompt extraction",
	"image_generation":        "Image generation",
}

// operationColors give each operation the same colour in every chart.
var operationColors = map[string]string{
	"clustering":              "#4e79a7",
	"idea_generation":         "#f28e2b",
	"content_generation":      "#59a14f",
	"image_prompt_extraction": "#e15759",
	"image_generation":        "#b07aa1",
}

// UnassignedColor is the grey of the part of a split that no operation has.
const UnassignedColor = "#d0d0d0"

// OperationLabel names an operation for people ("content_generation" →
// "Content generation"); an unknown one is shown as it is.
func OperationLabel(op string) string {
	if l, ok := operationNames[op]; ok {
		return l
	}
	return op
}

// OperationColor is an operation's colour in charts.
func OperationColor(op string) string {
	if c, ok := operationColors[op]; ok {
		return c
	}
	return "#888888"
}
