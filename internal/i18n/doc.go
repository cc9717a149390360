// Package i18n turns message ids into words in the user's language: the catalogs shipped with ocrepo (embedded
// JSON files under locales/<area>/, one per language in each area, English complete), the messages a host adds or overrides (JSON files
// in an fs.FS of its own), plural rules and number, size and date formats per language, and dates in the user's
// time zone. It is built on github.com/nicksnyder/go-i18n/v2 (catalogs, CLDR plural rules) and
// golang.org/x/text (language matching, number formatting).
package i18n
