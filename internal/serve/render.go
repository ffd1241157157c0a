package serve

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
)

// view is what the layout shows around a page.
type view struct {
	Title string
	// CSRF is the dashboard form value of a signed-in operator; "" when
	// nobody is signed in (no navigation, no sign-out button).
	CSRF string
	Page any
}

// messagePage is a page that says one thing: a refused link, a done
// decision, a missing page.
type messagePage struct {
	Title string
	Text  string
	// Detail says more (what to do, which link), when there is more.
	Detail string
}

func (m messagePage) title() string { return m.Title }

type titled interface{ title() string }

var funcs = template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format(time.DateOnly)
	},
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"days": func(d *int) string {
		if d == nil {
			return "never used"
		}
		return fmt.Sprintf("%d", *d)
	},
	"typeLabel": typeLabel,
}

// typeLabel names a finding type in words.
func typeLabel(t iamsweep.FindingType) string {
	switch t {
	case iamsweep.TypeUnusedIAMRole:
		return "role"
	case iamsweep.TypeUnusedIAMUser:
		return "user"
	case iamsweep.TypeUnusedIAMUserPassword:
		return "console password"
	case iamsweep.TypeUnusedIAMUserAccessKey:
		return "access key"
	case iamsweep.TypeRootAccessKey:
		return "root access key"
	}
	return string(t)
}

// parsePages parses each page with the layout around it.
func parsePages() (map[string]*template.Template, error) {
	layout, err := template.New("layout.html.tmpl").Funcs(funcs).ParseFS(files, "templates/layout.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse the layout: %w", err)
	}
	names, err := fs.Glob(files, "templates/*.html.tmpl")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".html.tmpl")
		if base == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(files, name)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// render writes a page with status. It renders into a buffer first, so a
// template error becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	t := s.pages[page]
	if t == nil {
		s.o.Log.Error("no such page template", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	v := view{Page: data}
	if td, ok := data.(titled); ok {
		v.Title = td.title()
	}
	if sess, ok := s.session(r); ok {
		v.CSRF = s.dashboardCSRF(sess)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html.tmpl", v); err != nil {
		s.o.Log.Error("render a page", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = buf.WriteTo(w)
	}
}

// fail logs err and shows a page that says something went wrong, without
// the details (they are in the log).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.o.Log.Error(what, "path", redactPath(r.URL.Path), "err", err)
	s.render(w, r, http.StatusInternalServerError, "message", messagePage{Title: "Something went wrong",
		Text: "iamsweep could not " + what + ". Nothing was changed by this request; the service log says why."})
}
