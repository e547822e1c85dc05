package objstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// s3 speaks S3's protocol (AWS, Cloud Storage's XML API, versitygw,
// SeaweedFS, Ceph, R2, MinIO) with minio-go: Apache-2.0, S3 only, about
// 9 MB against the 30 MB of gocloud.dev's S3 driver.
type s3 struct {
	core   *minio.Core
	bucket string
}

// s3Credentials are where the credentials come from, first found first:
// the AWS environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN), the shared credentials file (AWS_PROFILE,
// AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials), then the machine's
// role (EC2 and ECS roles, EKS web identity).
func s3Credentials() *credentials.Credentials {
	return credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{},
		&credentials.FileAWSCredentials{},
		&credentials.IAM{Client: &http.Client{Transport: http.DefaultTransport, Timeout: 5 * time.Second}},
	})
}

func dialS3(loc Location) (*s3, error) {
	endpoint := loc.Endpoint
	lookup := minio.BucketLookupPath
	if endpoint == "" {
		endpoint, lookup = "s3.amazonaws.com", minio.BucketLookupAuto
		if loc.Region != "" {
			endpoint = "s3." + loc.Region + ".amazonaws.com"
		}
	}
	region := loc.Region
	if region == "" && loc.Endpoint != "" {
		region = "us-east-1" // S3-compatible stores take any
	}
	tr, err := minio.DefaultTransport(loc.Secure)
	if err != nil {
		return nil, err
	}
	c, err := minio.NewCore(endpoint, &minio.Options{
		Creds: s3Credentials(), Secure: loc.Secure, Region: region, BucketLookup: lookup, Transport: tr,
		// About 4 s of retries with backoff before a request fails.
		MaxRetries: 6,
	})
	if err != nil {
		return nil, err
	}
	c.SetAppInfo("flinkdx", "1")
	return &s3{core: c, bucket: loc.Bucket}, nil
}

// fail turns minio-go's error into the backend's words.
func (b *s3) fail(err error) error {
	if err == nil {
		return nil
	}
	r := minio.ToErrorResponse(err)
	switch r.Code {
	case "":
		return err
	case "NoSuchKey", "NotFound":
		return fs.ErrNotExist
	case "NoSuchBucket":
		return fmt.Errorf("the bucket %s does not exist", b.bucket)
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch":
		return fmt.Errorf("%s (%s): check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or the profile", r.Message, r.Code)
	case "PreconditionFailed":
		return ErrChanged
	}
	return fmt.Errorf("%s (%s)", r.Message, r.Code)
}

func (c Condition) s3(o *minio.PutObjectOptions) {
	switch {
	case c.IfNoneMatch:
		o.SetMatchETagExcept("*")
	case c.IfMatch != "":
		o.SetMatchETag(c.IfMatch)
	}
}

func (b *s3) head(key string) (int64, time.Time, string, error) {
	info, err := b.core.StatObject(ctx, b.bucket, key, minio.StatObjectOptions{})
	return info.Size, info.LastModified, info.ETag, b.fail(err)
}

func (b *s3) list(prefix, delim string, fn func(entry) bool) error {
	token := ""
	for {
		res, err := b.core.ListObjectsV2(b.bucket, prefix, "", token, delim, 1000)
		if err != nil {
			return b.fail(err)
		}
		for _, o := range res.Contents {
			if !fn(entry{key: o.Key, size: o.Size, mod: o.LastModified, etag: strings.Trim(o.ETag, `"`)}) {
				return nil
			}
		}
		for _, p := range res.CommonPrefixes {
			if !fn(entry{key: strings.TrimSuffix(p.Prefix, "/"), dir: true}) {
				return nil
			}
		}
		if !res.IsTruncated || res.NextContinuationToken == "" {
			return nil
		}
		token = res.NextContinuationToken
	}
}

func (b *s3) get(c context.Context, key string, off, end int64, etag string) (io.ReadCloser, string, error) {
	var opts minio.GetObjectOptions
	if etag != "" {
		opts.SetMatchETag(etag)
	}
	switch {
	case end >= 0:
		opts.SetRange(off, end-1)
	case off > 0:
		opts.SetRange(off, 0)
	}
	body, info, _, err := b.core.GetObject(c, b.bucket, key, opts)
	return body, info.ETag, b.fail(err)
}

func (b *s3) put(key string, data []byte, c Condition) (string, error) {
	var opts minio.PutObjectOptions
	c.s3(&opts)
	info, err := b.core.PutObject(ctx, b.bucket, key, bytes.NewReader(data), int64(len(data)), "", "", opts)
	return info.ETag, b.fail(err)
}

func (b *s3) remove(key string) error {
	return b.fail(b.core.RemoveObject(ctx, b.bucket, key, minio.RemoveObjectOptions{}))
}

func (b *s3) begin(key string) (string, error) {
	id, err := b.core.NewMultipartUpload(ctx, b.bucket, key, minio.PutObjectOptions{})
	return id, b.fail(err)
}

func (b *s3) part(key, id string, n int, data []byte) (string, error) {
	p, err := b.core.PutObjectPart(ctx, b.bucket, key, id, n, bytes.NewReader(data), int64(len(data)), minio.PutObjectPartOptions{})
	return p.ETag, b.fail(err)
}

func (b *s3) complete(key, id string, tags []string, c Condition) error {
	parts := make([]minio.CompletePart, len(tags))
	for i, t := range tags {
		parts[i] = minio.CompletePart{PartNumber: i + 1, ETag: t}
	}
	var opts minio.PutObjectOptions
	c.s3(&opts)
	_, err := b.core.CompleteMultipartUpload(ctx, b.bucket, key, id, parts, opts)
	return b.fail(err)
}

func (b *s3) abort(key, id string) { b.core.AbortMultipartUpload(ctx, b.bucket, key, id) }

func (b *s3) copy(from, to string, c Condition) error {
	var dst minio.PutObjectOptions
	c.s3(&dst)
	_, err := b.core.CopyObject(ctx, b.bucket, from, b.bucket, to, nil, minio.CopySrcOptions{}, dst)
	return b.fail(err)
}

func (b *s3) stagesOnObject() bool { return false }

func (b *s3) abortOld(prefix string, before time.Time, which func(string) bool) int {
	n := 0
	keyMarker, idMarker := "", ""
	for {
		res, err := b.core.ListMultipartUploads(ctx, b.bucket, prefix, keyMarker, idMarker, "", 1000)
		if err != nil {
			return n
		}
		for _, u := range res.Uploads {
			if u.Initiated.Before(before) && which(u.Key) && b.core.AbortMultipartUpload(ctx, b.bucket, u.Key, u.UploadID) == nil {
				n++
			}
		}
		if !res.IsTruncated || res.NextKeyMarker == "" && res.NextUploadIDMarker == "" {
			return n
		}
		keyMarker, idMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
}
