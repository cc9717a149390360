package picker

import (
	"path"
	"strings"
)

// iconFamily is the file-type icon of an entry: the symbol in templates/static/icons.svg (i-<family>) chosen by
// MIME family, with the extension deciding where the cloud says only application/octet-stream.
func iconFamily(dir bool, contentType, name string) string {
	if dir {
		return "folder"
	}
	ct := strings.ToLower(strings.TrimSpace(contentType))
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = strings.TrimSpace(ct[:i])
	}
	switch {
	case strings.HasPrefix(ct, "image/"):
		return "image"
	case strings.HasPrefix(ct, "audio/"):
		return "audio"
	case strings.HasPrefix(ct, "video/"):
		return "video"
	case ct == "application/pdf":
		return "pdf"
	case strings.Contains(ct, "spreadsheet") || strings.Contains(ct, "excel") || ct == "text/csv":
		return "spreadsheet"
	case strings.Contains(ct, "presentation") || strings.Contains(ct, "powerpoint"):
		return "presentation"
	case strings.Contains(ct, "wordprocessing") || ct == "application/msword" || strings.Contains(ct, "opendocument.text") || ct == "application/rtf":
		return "document"
	case ct == "application/zip" || strings.Contains(ct, "compressed") || strings.Contains(ct, "x-tar") || strings.Contains(ct, "gzip") || strings.Contains(ct, "x-7z"):
		return "archive"
	case ct == "application/json" || ct == "application/xml" || ct == "text/html" || ct == "text/css" || strings.Contains(ct, "javascript") || strings.Contains(ct, "x-python") || strings.Contains(ct, "x-go"):
		return "code"
	case strings.HasPrefix(ct, "text/"):
		return "text"
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".heic", ".bmp", ".tif", ".tiff":
		return "image"
	case ".mp3", ".wav", ".ogg", ".m4a", ".flac":
		return "audio"
	case ".mp4", ".mov", ".webm", ".mkv", ".avi":
		return "video"
	case ".pdf":
		return "pdf"
	case ".xlsx", ".xls", ".ods", ".csv":
		return "spreadsheet"
	case ".pptx", ".ppt", ".odp":
		return "presentation"
	case ".docx", ".doc", ".odt", ".rtf":
		return "document"
	case ".zip", ".tar", ".gz", ".tgz", ".7z", ".rar":
		return "archive"
	case ".txt", ".md":
		return "text"
	case ".json", ".xml", ".html", ".css", ".js", ".go", ".py", ".java", ".c", ".h":
		return "code"
	}
	return "file"
}

// previewable guesses, for a page that has no fresh listing (a controlled link's), whether the cloud may have a
// preview: pictures, PDFs and text. The preview route asks the cloud's has-preview before fetching anything.
func previewable(contentType, name string) bool {
	switch iconFamily(false, contentType, name) {
	case "image", "pdf", "text":
		return true
	}
	return false
}
