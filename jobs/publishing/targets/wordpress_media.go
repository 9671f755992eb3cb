package targets

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// wpMedia is one image of a post on its way to WordPress.
type wpMedia struct {
	img      Image
	featured bool
	n        int    // 1 for the first image (the featured one), then 2, 3, …
	what     string // "the featured image", "image 2 of 3"
	slug     string // the media item's slug: <post slug>-image-<n>
	id       int64  // media id once uploaded (or found)
	src      string // its address
}

// mediaSlugLen keeps <slug>-image-<n> within WordPress's 200-character
// slugs, so WordPress does not shorten it and later attempts find it.
const mediaSlugLen = 185

// mediaPlan lists a post's images, the featured one first.
func mediaPlan(p Post) []wpMedia {
	var out []wpMedia
	if p.FeaturedImage != nil {
		out = append(out, wpMedia{img: *p.FeaturedImage, featured: true})
	}
	for _, im := range p.Images {
		out = append(out, wpMedia{img: im})
	}
	base := strings.TrimRight(p.Slug[:min(len(p.Slug), mediaSlugLen)], "-")
	for i := range out {
		out[i].n = i + 1
		out[i].slug = base + "-image-" + strconv.Itoa(i+1)
		if out[i].featured {
			out[i].what = "the featured image"
		} else {
			out[i].what = fmt.Sprintf("image %d of %d", i+1, len(out))
		}
	}
	return out
}

// findMedia fills in the media an earlier attempt uploaded for p: found by
// their slugs, and only those attached to no post yet.
func (wp *WordPress) findMedia(ctx context.Context, p Post, imgs []wpMedia) error {
	if len(imgs) == 0 {
		return nil
	}
	slugs := make([]string, len(imgs))
	for i, m := range imgs {
		slugs[i] = m.slug
	}
	q := url.Values{"slug": {strings.Join(slugs, ",")}, "per_page": {"100"}, "_fields": {"id,slug,post,source_url"}}
	var found []struct {
		ID        int64  `json:"id"`
		Slug      string `json:"slug"`
		Post      *int64 `json:"post"`
		SourceURL string `json:"source_url"`
	}
	if err := wp.call(ctx, wpOp{kind: opRead, what: "look up the post's images"}, http.MethodGet, "/media", q, "", nil, nil, &found); err != nil {
		return err
	}
	for i := range imgs {
		for _, f := range found {
			if f.Slug == imgs[i].slug && (f.Post == nil || *f.Post == 0) && f.ID != 0 {
				imgs[i].id, imgs[i].src = f.ID, f.SourceURL
			}
		}
	}
	return nil
}

// ensureMedia uploads the images not found from an earlier attempt.
func (wp *WordPress) ensureMedia(ctx context.Context, p Post, imgs []wpMedia) error {
	if err := wp.findMedia(ctx, p, imgs); err != nil {
		return err
	}
	for i := range imgs {
		if imgs[i].id != 0 {
			continue
		}
		title := p.Title
		if !imgs[i].featured {
			title = fmt.Sprintf("%s (image %d)", p.Title, imgs[i].n)
		}
		id, src, err := wp.upload(ctx, imgs[i].img, imgs[i].slug, title, "upload "+imgs[i].what)
		if err != nil {
			return err
		}
		imgs[i].id, imgs[i].src = id, src
	}
	return nil
}

// upload sends an image as the raw request body, named <slug><ext>; title
// and alt text ride in the query string, which WordPress reads for uploads
// like any other parameter.
func (wp *WordPress) upload(ctx context.Context, img Image, slug, title, what string) (int64, string, error) {
	q := url.Values{"slug": {slug}, "title": {title}, "_fields": {"id,source_url"}}
	if img.Alt != "" {
		q.Set("alt_text", img.Alt)
	}
	name := slug + extensionFor(img.MIME)
	hdr := map[string]string{"Content-Disposition": mime.FormatMediaType("attachment", map[string]string{"filename": name})}
	var media struct {
		ID        int64  `json:"id"`
		SourceURL string `json:"source_url"`
	}
	op := wpOp{kind: opUpload, what: what, mime: img.MIME, size: len(img.Data)}
	if err := wp.call(ctx, op, http.MethodPost, "/media", q, img.MIME, img.Data, hdr, &media); err != nil {
		return 0, "", err
	}
	if media.ID == 0 {
		return 0, "", fmt.Errorf("WordPress's answer to %s has no media id", what)
	}
	return media.ID, media.SourceURL, nil
}

// attach makes post the parent of every image not attached yet.
func (wp *WordPress) attach(ctx context.Context, post int64, imgs []wpMedia) error {
	body, _ := json.Marshal(map[string]int64{"post": post})
	for _, m := range imgs {
		if m.id == 0 {
			continue
		}
		var out struct {
			ID int64 `json:"id"`
		}
		op := wpOp{kind: opEditMedia, what: "attach " + m.what + " to the post"}
		if err := wp.call(ctx, op, http.MethodPost, "/media/"+strconv.FormatInt(m.id, 10), url.Values{"_fields": {"id"}}, "application/json", body, nil, &out); err != nil {
			return err
		}
	}
	return nil
}

// deleteMedia deletes a media item for good (no trash for media).
func (wp *WordPress) deleteMedia(ctx context.Context, id int64) error {
	var out struct {
		Deleted bool `json:"deleted"`
	}
	op := wpOp{kind: opDeleteMedia, what: "delete the test image"}
	return wp.call(ctx, op, http.MethodDelete, "/media/"+strconv.FormatInt(id, 10), url.Values{"force": {"true"}, "_fields": {"deleted"}}, "", nil, nil, &out)
}
