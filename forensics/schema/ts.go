package schema

import (
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
)

// TimestampsAsInt64 views timestamps (int64 underneath) as int64s.
func TimestampsAsInt64(v []arrow.Timestamp) []int64 {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*int64)(unsafe.Pointer(&v[0])), len(v))
}
