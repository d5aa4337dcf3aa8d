// Package quiet runs before Istio's packages initialize (its import path sorts first and it needs only os): Istio's
// test environment package looks for a build output folder at init and warns on stderr when there is none.
package quiet

import "os"

func init() {
	for _, v := range []string{"TARGET_OUT", "LOCAL_OUT"} {
		if os.Getenv(v) == "" {
			_ = os.Setenv(v, os.TempDir())
		}
	}
}
