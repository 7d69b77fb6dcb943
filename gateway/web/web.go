// Package web is the browser application the gateway serves at /: plain
// HTML, CSS and JavaScript modules embedded in the binary, so the pages need
// no build step and no network beyond the gateway itself. The pages call the
// same public REST API as everyone else; what a role may not see, the API
// refuses, and the pages only avoid offering it.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var files embed.FS

// AssetPrefix is the URL path the static files are served under.
const AssetPrefix = "/web/"

// Handler serves index.html at / and the assets under AssetPrefix. The
// headers keep the pages to their own origin (a content security policy
// without inline scripts) and make the browser revalidate each file by its
// content hash (ETag), so a new binary's pages are seen at the next load and
// an unchanged file costs a 304.
func Handler() http.Handler {
	static, err := fs.Sub(files, "static")
	if err != nil { // the embedded tree is fixed at build time
		panic(err)
	}
	etags := map[string]string{}
	err = fs.WalkDir(static, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		etags[path] = `"` + hex.EncodeToString(sum[:8]) + `"`
		return nil
	})
	if err != nil {
		panic(err)
	}
	assets := http.StripPrefix(AssetPrefix, http.FileServerFS(static))
	index, err := fs.ReadFile(static, "index.html")
	if err != nil {
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		name := "index.html"
		if r.URL.Path != "/" {
			name = strings.TrimPrefix(r.URL.Path, AssetPrefix)
		}
		if tag, ok := etags[name]; ok {
			h.Set("ETag", tag)
			if r.Header.Get("If-None-Match") == tag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
		if r.URL.Path == "/" {
			h.Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(index)
			return
		}
		assets.ServeHTTP(w, r)
	})
}
