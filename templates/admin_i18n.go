package templates

import (
	"context"
	"strconv"
)

// number writes a count in the language of the render context (its digit grouping and digits).
func number(ctx context.Context, n int64) string {
	if tr := TranslatorFrom(ctx); tr != nil {
		return tr.Number(n)
	}
	return strconv.FormatInt(n, 10)
}
