package mail

import (
	"bytes"
	"html/template"
	"strings"
)

// button is an email's call to action ("" URL: none).
type button struct{ Label, URL string }

// page is what the HTML of an email shows.
type page struct {
	Lang, Workspace, Subject string
	// Logo is the cid: URL of the inline logo, built here from its digest
	// (html/template would refuse the cid: scheme of a plain string).
	Logo       template.URL
	Paragraphs [][]string // lines of each paragraph
	Button     button
}

// htmlEmail is one layout for every email: table-based and inline-styled,
// the way mail clients render HTML, one column that fits a phone.
var htmlEmail = template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Subject}}</title></head>
<body style="margin:0;padding:0;background:#f3f4f6;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#111827">
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" style="background:#f3f4f6"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellspacing="0" cellpadding="0" style="max-width:560px;background:#ffffff;border-radius:8px;border:1px solid #e5e7eb">
<tr><td style="padding:24px 28px 8px 28px;border-bottom:1px solid #f0f0f0">
{{if .Logo}}<img src="{{.Logo}}" alt="{{.Workspace}}" style="max-height:48px;max-width:200px;display:block">{{else}}<div style="font-size:20px;font-weight:700;color:#111827">{{.Workspace}}</div>{{end}}
<div style="height:12px"></div></td></tr>
<tr><td style="padding:20px 28px 4px 28px">
<h1 style="margin:0 0 16px 0;font-size:18px;line-height:1.35;font-weight:600">{{.Subject}}</h1>
{{range .Paragraphs}}<p style="margin:0 0 14px 0;font-size:15px;line-height:1.55">{{range $i, $l := .}}{{if $i}}<br>{{end}}{{$l}}{{end}}</p>
{{end}}</td></tr>
{{if .Button.URL}}<tr><td style="padding:4px 28px 24px 28px">
<a href="{{.Button.URL}}" style="display:inline-block;background:#2563eb;color:#ffffff;text-decoration:none;font-weight:600;font-size:15px;padding:12px 22px;border-radius:6px">{{.Button.Label}}</a>
<p style="margin:14px 0 0 0;font-size:12px;color:#6b7280;word-break:break-all">{{.Button.URL}}</p></td></tr>{{end}}
</table>
<p style="font-size:12px;color:#9ca3af;margin:16px 0 0 0">{{.Workspace}}</p>
</td></tr></table></body></html>
`))

// renderHTML is the HTML part of an email whose plain text is text.
func renderHTML(lang, workspace, logo, subject, text string, b button) (string, error) {
	// the header shows the workspace already: the heading drops the
	// subject's " — <workspace>"
	p := page{Lang: lang, Workspace: workspace, Logo: template.URL(logo), Subject: strings.TrimSuffix(subject, " — "+workspace), Button: b}
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			p.Paragraphs = append(p.Paragraphs, strings.Split(para, "\n"))
		}
	}
	var out bytes.Buffer
	if err := htmlEmail.Execute(&out, p); err != nil {
		return "", err
	}
	return out.String(), nil
}
