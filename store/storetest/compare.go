package storetest

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// diff describes how got differs from want, or returns "" when they are the same. Times are the same when they
// are equal at microsecond precision and got's is in UTC; a nil and an empty slice are the same.
func diff(got, want any) string {
	var b strings.Builder
	diffValue(&b, "", reflect.ValueOf(got), reflect.ValueOf(want))
	return b.String()
}

func diffValue(b *strings.Builder, path string, got, want reflect.Value) {
	if got.Type() != want.Type() {
		fmt.Fprintf(b, "%s: type %s, want %s\n", path, got.Type(), want.Type())
		return
	}
	if got.Type() == reflect.TypeFor[time.Time]() {
		g, w := got.Interface().(time.Time), want.Interface().(time.Time)
		if !sameTime(g, w) {
			fmt.Fprintf(b, "%s: %s, want %s (UTC, to the microsecond)\n", path, g.Format(time.RFC3339Nano), w.Format(time.RFC3339Nano))
		}
		return
	}
	switch got.Kind() {
	case reflect.Struct:
		for i := range got.NumField() {
			diffValue(b, path+"."+got.Type().Field(i).Name, got.Field(i), want.Field(i))
		}
	case reflect.Slice:
		if got.Len() != want.Len() {
			fmt.Fprintf(b, "%s: %d elements %v, want %d %v\n", path, got.Len(), got.Interface(), want.Len(), want.Interface())
			return
		}
		for i := range got.Len() {
			diffValue(b, fmt.Sprintf("%s[%d]", path, i), got.Index(i), want.Index(i))
		}
	default:
		if !reflect.DeepEqual(got.Interface(), want.Interface()) {
			fmt.Fprintf(b, "%s: %#v, want %#v\n", path, got.Interface(), want.Interface())
		}
	}
}

// sameTime reports whether got is want as a store gives it back: in UTC, equal at microsecond precision (the
// precision of PostgreSQL).
func sameTime(got, want time.Time) bool {
	if got.IsZero() || want.IsZero() {
		return got.IsZero() && want.IsZero()
	}
	return got.Location() == time.UTC && got.Truncate(time.Microsecond).Equal(want.Truncate(time.Microsecond))
}
