package objstore

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

// azure speaks Azure Blob Storage's protocol with Microsoft's SDK: a
// container is the bucket, block blobs are the objects, staged blocks the
// parts of an upload.
type azure struct {
	c         *container.Client
	container string
}

// dialAzure reaches a container with the credentials of the environment,
// first found first: AZURE_STORAGE_CONNECTION_STRING; AZURE_STORAGE_ACCOUNT
// with AZURE_STORAGE_KEY; AZURE_STORAGE_ACCOUNT with an identity
// (AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET or a
// certificate, workload identity, a managed identity, the Azure CLI's
// login). ?endpoint= is the service URL (Azurite:
// http://127.0.0.1:10000/devstoreaccount1); by default
// https://ACCOUNT.blob.core.windows.net.
func dialAzure(loc Location) (*azure, error) {
	opts := &container.ClientOptions{ClientOptions: policy.ClientOptions{
		Retry: policy.RetryOptions{MaxRetries: 4, RetryDelay: 200 * time.Millisecond, MaxRetryDelay: 2 * time.Second, TryTimeout: 2 * time.Minute},
	}}
	conn := os.Getenv("AZURE_STORAGE_CONNECTION_STRING")
	account, key := os.Getenv("AZURE_STORAGE_ACCOUNT"), os.Getenv("AZURE_STORAGE_KEY")
	if conn != "" {
		fields := map[string]string{}
		for _, kv := range strings.Split(conn, ";") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				fields[k] = v
			}
		}
		if loc.EndpointURL == "" {
			c, err := container.NewClientFromConnectionString(conn, loc.Bucket, opts)
			if err != nil {
				return nil, errors.New("AZURE_STORAGE_CONNECTION_STRING cannot be read as a connection string")
			}
			return &azure{c: c, container: loc.Bucket}, nil
		}
		account, key = fields["AccountName"], fields["AccountKey"]
		if account == "" || key == "" {
			return nil, errors.New("with ?endpoint=, AZURE_STORAGE_CONNECTION_STRING must hold AccountName and AccountKey")
		}
	}
	service := loc.EndpointURL
	if service == "" {
		if account == "" {
			return nil, errors.New("no storage account: set AZURE_STORAGE_ACCOUNT (with AZURE_STORAGE_KEY or an identity) or AZURE_STORAGE_CONNECTION_STRING, or give ?endpoint=")
		}
		service = "https://" + account + ".blob.core.windows.net"
	}
	u := strings.TrimSuffix(service, "/") + "/" + url.PathEscape(loc.Bucket)
	if key != "" {
		cred, err := container.NewSharedKeyCredential(account, key)
		if err != nil {
			return nil, errors.New("AZURE_STORAGE_KEY is not a storage account key (base64)")
		}
		c, err := container.NewClientWithSharedKeyCredential(u, cred, opts)
		if err != nil {
			return nil, err
		}
		return &azure{c: c, container: loc.Bucket}, nil
	}
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		return nil, fmt.Errorf("no Azure credentials: %v", err)
	}
	c, err := container.NewClient(u, cred, opts)
	if err != nil {
		return nil, err
	}
	return &azure{c: c, container: loc.Bucket}, nil
}

// fail turns the SDK's error into the backend's words. The SDK's own text
// holds the request's URL, which a SAS token signs: only its code is kept.
func (b *azure) fail(err error) error {
	if err == nil {
		return nil
	}
	switch {
	case bloberror.HasCode(err, bloberror.BlobNotFound):
		return fs.ErrNotExist
	case bloberror.HasCode(err, bloberror.ContainerNotFound):
		return fmt.Errorf("the container %s does not exist", b.container)
	case bloberror.HasCode(err, bloberror.ConditionNotMet, bloberror.BlobAlreadyExists, bloberror.TargetConditionNotMet):
		return ErrChanged
	case bloberror.HasCode(err, bloberror.AuthenticationFailed, bloberror.AuthorizationFailure, bloberror.AuthorizationPermissionMismatch, bloberror.InsufficientAccountPermissions):
		var re *azcore.ResponseError
		errors.As(err, &re)
		return fmt.Errorf("%s (%d): check AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY, or the identity", re.ErrorCode, re.StatusCode)
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		if re.StatusCode == 404 {
			return fs.ErrNotExist
		}
		if re.StatusCode == 412 || re.StatusCode == 409 {
			return ErrChanged
		}
		return fmt.Errorf("%s (%d)", re.ErrorCode, re.StatusCode)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// A network error: its URL without the query (a SAS token).
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery = ""
			ue.URL = u.String()
		}
		return ue
	}
	return err
}

func (c Condition) azure() *blob.AccessConditions {
	switch {
	case c.IfNoneMatch:
		any := azcore.ETagAny
		return &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: &any}}
	case c.IfMatch != "":
		tag := azcore.ETag(`"` + c.IfMatch + `"`)
		return &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfMatch: &tag}}
	}
	return nil
}

// etagOf is an ETag without its quotes: the service quotes it in answers
// to HEAD and PUT and not in listings.
func etagOf(t *azcore.ETag) string {
	if t == nil {
		return ""
	}
	return strings.Trim(string(*t), `"`)
}

func (b *azure) head(key string) (int64, time.Time, string, error) {
	p, err := b.c.NewBlobClient(key).GetProperties(ctx, nil)
	if err != nil {
		return 0, time.Time{}, "", b.fail(err)
	}
	var size int64
	var mod time.Time
	var etag string
	if p.ContentLength != nil {
		size = *p.ContentLength
	}
	if p.LastModified != nil {
		mod = *p.LastModified
	}
	if p.ETag != nil {
		etag = etagOf(p.ETag)
	}
	return size, mod, etag, nil
}

func (b *azure) list(prefix, delim string, fn func(entry) bool) error {
	item := func(name *string, p *container.BlobProperties) bool {
		e := entry{key: *name}
		if p != nil && p.ContentLength != nil {
			e.size = *p.ContentLength
		}
		if p != nil && p.LastModified != nil {
			e.mod = *p.LastModified
		}
		if p != nil && p.ETag != nil {
			e.etag = etagOf(p.ETag)
		}
		return fn(e)
	}
	walk := func(items []*container.BlobItem, prefixes []*container.BlobPrefix) bool {
		for _, it := range items {
			if !item(it.Name, it.Properties) {
				return false
			}
		}
		for _, p := range prefixes {
			if !fn(entry{key: strings.TrimSuffix(*p.Name, delim), dir: true}) {
				return false
			}
		}
		return true
	}
	if delim == "" {
		return pages(b, b.c.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: &prefix}),
			func(p container.ListBlobsFlatResponse) bool { return walk(p.Segment.BlobItems, nil) })
	}
	return pages(b, b.c.NewListBlobsHierarchyPager(delim, &container.ListBlobsHierarchyOptions{Prefix: &prefix}),
		func(p container.ListBlobsHierarchyResponse) bool {
			return walk(p.Segment.BlobItems, p.Segment.BlobPrefixes)
		})
}

// pages hands a listing's pages to fn until it returns false.
func pages[T any](b *azure, pager *runtime.Pager[T], fn func(T) bool) error {
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return b.fail(err)
		}
		if !fn(page) {
			return nil
		}
	}
	return nil
}

func (b *azure) get(c context.Context, key string, off, end int64, etag string) (io.ReadCloser, string, error) {
	opts := &blob.DownloadStreamOptions{Range: blob.HTTPRange{Offset: off}}
	if end >= 0 {
		opts.Range.Count = end - off
	}
	if etag != "" {
		opts.AccessConditions = Condition{IfMatch: etag}.azure()
	}
	r, err := b.c.NewBlobClient(key).DownloadStream(c, opts)
	if err != nil {
		return nil, "", b.fail(err)
	}
	return r.Body, etagOf(r.ETag), nil
}

func (b *azure) put(key string, data []byte, c Condition) (string, error) {
	r, err := b.c.NewBlockBlobClient(key).Upload(ctx, streaming.NopCloser(bytes.NewReader(data)), &blockblob.UploadOptions{AccessConditions: c.azure()})
	if err != nil {
		return "", b.fail(err)
	}
	return etagOf(r.ETag), nil
}

func (b *azure) remove(key string) error {
	_, err := b.c.NewBlobClient(key).Delete(ctx, nil)
	return b.fail(err)
}

// An upload is blocks staged on the blob, committed as its block list:
// uncommitted blocks are invisible, and the store drops them after a week.
func (b *azure) begin(key string) (string, error) { return randomID(), nil }

// blockID names the nth block of an upload; a blob's block ids are all of
// one length.
func blockID(id string, n int) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("%s-%06d", id, n)))
}

func (b *azure) part(key, id string, n int, data []byte) (string, error) {
	bid := blockID(id, n)
	_, err := b.c.NewBlockBlobClient(key).StageBlock(ctx, bid, streaming.NopCloser(bytes.NewReader(data)), nil)
	return bid, b.fail(err)
}

func (b *azure) complete(key, id string, tags []string, c Condition) error {
	_, err := b.c.NewBlockBlobClient(key).CommitBlockList(ctx, tags, &blockblob.CommitBlockListOptions{AccessConditions: c.azure()})
	return b.fail(err)
}

func (b *azure) abort(key, id string) {}

func (b *azure) stagesOnObject() bool { return true }

// copy copies within the account: the service copies, and is asked until
// it is done.
func (b *azure) copy(from, to string, c Condition) error {
	src := b.c.NewBlobClient(from).URL()
	dst := b.c.NewBlobClient(to)
	r, err := dst.StartCopyFromURL(ctx, src, &blob.StartCopyFromURLOptions{AccessConditions: c.azure()})
	if err != nil {
		return b.fail(err)
	}
	status := r.CopyStatus
	if status == nil {
		p, err := dst.GetProperties(ctx, nil)
		if err != nil {
			return b.fail(err)
		}
		status = p.CopyStatus
	}
	deadline := time.Now().Add(copyWait)
	for wait := 10 * time.Millisecond; status != nil && *status == blob.CopyStatusTypePending; wait = min(2*wait, time.Second) {
		if time.Now().After(deadline) {
			if r.CopyID != nil {
				dst.AbortCopyFromURL(ctx, *r.CopyID, nil)
			}
			return fmt.Errorf("copy from %s still pending after %v: aborted", from, copyWait)
		}
		time.Sleep(wait)
		p, err := dst.GetProperties(ctx, nil)
		if err != nil {
			return b.fail(err)
		}
		if p.CopyID != nil && r.CopyID != nil && *p.CopyID != *r.CopyID {
			return fmt.Errorf("copy from %s: %w", from, ErrChanged)
		}
		status = p.CopyStatus
	}
	if status == nil || *status != blob.CopyStatusTypeSuccess {
		s := "with no status"
		if status != nil {
			s = string(*status)
		}
		return fmt.Errorf("copy from %s ended %s", from, s)
	}
	return nil
}

// copyWait bounds the wait for a copy within the account (the part files
// copied are at most a few hundred MB).
const copyWait = 10 * time.Minute

func (b *azure) abortOld(string, time.Time, func(string) bool) int { return 0 }
