package parquetfile

import (
	"sync"

	"github.com/klauspost/compress/zstd"
	pqzstd "github.com/parquet-go/parquet-go/compress/zstd"
)

// zstdCodec is parquet-go's zstd codec with the encoder's window cut to
// pageBufferSize: a page is compressed on its own, and a larger window only
// costs memory (8 MiB of history per encoder at the default). Pages of wide
// strings are larger than the window; log lines repeat at short range, and
// a larger window made the files no smaller (docs/performance.md).
// Decoding is parquet-go's.
type zstdCodec struct {
	pqzstd.Codec
	encoders sync.Pool
}

func newZstdCodec() *zstdCodec {
	c := &zstdCodec{}
	c.encoders.New = func() any {
		e, err := zstd.NewWriter(nil,
			zstd.WithEncoderConcurrency(1),
			zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithWindowSize(pageBufferSize),
			zstd.WithZeroFrames(true),
			zstd.WithEncoderCRC(false),
		)
		if err != nil {
			panic(err) // the options are constants
		}
		return e
	}
	return c
}

func (c *zstdCodec) Encode(dst, src []byte) ([]byte, error) {
	e := c.encoders.Get().(*zstd.Encoder)
	defer c.encoders.Put(e)
	return e.EncodeAll(src, dst[:0]), nil
}

// pageCodec compresses every page the dataset writes.
var pageCodec = newZstdCodec()
