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
	"net/url"
	"strings"
)

//go:embed static
var files embed.FS

// AssetPrefix is the URL path the static files are served under.
const AssetPrefix = "/web/"

// Handler serves index.html at / and the assets under AssetPrefix. The
// headers keep the pages to their own origin (a content security policy
// without inline scripts). The index names the assets under a version
// prefix, a hash of all of them (/web/<version>/js/main.js; the modules'
// relative imports stay under it), and those answers may be cached for a
// year: a new binary has a new version, and an unchanged one costs no
// request at all. The index itself, and assets asked for without the
// current version, are revalidated by their content's ETag.
func Handler() http.Handler {
	static, err := fs.Sub(files, "static")
	if err != nil { // the embedded tree is fixed at build time
		panic(err)
	}
	etags := map[string]string{}
	all := sha256.New()
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
		all.Write([]byte(path + "\x00" + etags[path] + "\n"))
		return nil
	})
	if err != nil {
		panic(err)
	}
	version := hex.EncodeToString(all.Sum(nil)[:6])
	raw, err := fs.ReadFile(static, "index.html")
	if err != nil {
		panic(err)
	}
	index := []byte(strings.ReplaceAll(string(raw), `"`+AssetPrefix, `"`+AssetPrefix+version+"/"))
	indexTag := `"` + version + `"`
	files := http.FileServerFS(static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if r.URL.Path == "/" {
			h.Set("Cache-Control", "no-cache")
			h.Set("ETag", indexTag)
			if r.Header.Get("If-None-Match") == indexTag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			h.Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(index)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, AssetPrefix)
		if rest, ok := strings.CutPrefix(name, version+"/"); ok {
			name = rest
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		tag, ok := etags[name]
		if !ok || name == "index.html" {
			http.NotFound(w, r)
			return
		}
		h.Set("ETag", tag)
		if r.Header.Get("If-None-Match") == tag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		r2 := new(http.Request)
		*r2 = *r
		r2.URL = new(url.URL)
		*r2.URL = *r.URL
		r2.URL.Path = "/" + name
		files.ServeHTTP(w, r2)
	})
}
