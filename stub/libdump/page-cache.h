/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fixed-size LRU cache of decompressed pages, keyed by PFN.  Thread-safe
 * (one mutex): a reader decompresses outside the lock and inserts after,
 * so two threads missing the same page both decompress it, which is
 * harmless.  Not installed.
 */
#pragma once

#include <glib.h>

typedef struct OlPageCache OlPageCache;

OlPageCache *ol_page_cache_new(guint n_pages, gsize page_size);
void ol_page_cache_free(OlPageCache *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(OlPageCache, ol_page_cache_free)

/* Copy LEN bytes at OFF of the cached page KEY into DST and make it the most
 * recently used.  FALSE (DST untouched) if KEY is not cached. */
gboolean ol_page_cache_read(OlPageCache *c, guint64 key, gsize off, void *dst, gsize len);
/* Cache PAGE (page_size bytes) as KEY, evicting the least recently used
 * page if full.  Replaces KEY's contents if it is already there. */
void ol_page_cache_put(OlPageCache *c, guint64 key, const void *page);
/* Counters since creation, for tests and --info. */
void ol_page_cache_stats(OlPageCache *c, guint64 *hits, guint64 *misses, guint64 *evictions);
