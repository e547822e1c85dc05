//go:build js

package flinklog

// A browser has no zoneinfo files; --tz must work there too.
import _ "time/tzdata"
