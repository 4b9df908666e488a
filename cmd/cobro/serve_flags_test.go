package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 13's operator settings: a bad --trusted-proxies or
// COBRO_TEST_WEBHOOKS_LOOPBACK stops serve at start (exit 2) instead of
// running with a setting the operator did not mean; both are in the usage.
func TestServeSecurityFlags(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "flags.db")
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--trusted-proxies", "10.0.0.0/8,proxy.example.com"}, nil, `trusted proxy "proxy.example.com" is not an address or CIDR`},
		{nil, map[string]string{"COBRO_TRUSTED_PROXIES": "10.0.0.0/33"}, `trusted proxy "10.0.0.0/33"`},
		{nil, map[string]string{"COBRO_TEST_WEBHOOKS_LOOPBACK": "nope"}, "COBRO_TEST_WEBHOOKS_LOOPBACK must be true or false"},
		{[]string{"--test-webhooks-loopback=maybe"}, nil, "invalid boolean value"},
	} {
		var stderr bytes.Buffer
		getenv := func(k string) string { return tc.env[k] }
		code := run(context.Background(), append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, tc.args...), getenv, io.Discard, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v %v: exit %d, %s", tc.args, tc.env, code, stderr.String())
		}
	}
	code, _, help := runCmd(t, "serve", "--help")
	if code != exitOK || !strings.Contains(help, "-trusted-proxies") || !strings.Contains(help, "COBRO_TRUSTED_PROXIES") ||
		!strings.Contains(help, "-test-webhooks-loopback") || !strings.Contains(help, "COBRO_TEST_WEBHOOKS_LOOPBACK") {
		t.Errorf("serve --help: %d\n%s", code, help)
	}
}
