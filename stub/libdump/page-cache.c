/* SPDX-License-Identifier: GPL-2.0-or-later */
/* LRU cache of decompressed pages: a hash from key to slot, and the slots on
 * a doubly linked list in use order (head = most recent).  See page-cache.h. */
#include <string.h>

#include "page-cache.h"

#define NONE G_MAXUINT

typedef struct {
	guint64 key;
	guint prev, next; /* slot indices, NONE at the ends */
	gboolean used;
} Slot;

struct OlPageCache {
	GMutex lock;
	gsize page_size;
	guint n, n_used;
	Slot *slots;
	guint8 *data;       /* n * page_size */
	GHashTable *index;  /* &slot.key -> slot index + 1 */
	guint head, tail;
	guint64 hits, misses, evictions;
};

OlPageCache *ol_page_cache_new(guint n_pages, gsize page_size)
{
	OlPageCache *c;

	g_assert(n_pages > 0 && page_size > 0);
	c = g_new0(OlPageCache, 1);
	g_mutex_init(&c->lock);
	c->page_size = page_size;
	c->n = n_pages;
	c->slots = g_new0(Slot, n_pages);
	c->data = g_malloc((gsize)n_pages * page_size);
	c->index = g_hash_table_new(g_int64_hash, g_int64_equal);
	c->head = c->tail = NONE;
	return c;
}

void ol_page_cache_free(OlPageCache *c)
{
	if (!c)
		return;
	g_hash_table_unref(c->index);
	g_free(c->data);
	g_free(c->slots);
	g_mutex_clear(&c->lock);
	g_free(c);
}

static void unlink_slot(OlPageCache *c, guint i)
{
	Slot *s = &c->slots[i];
	if (s->prev != NONE)
		c->slots[s->prev].next = s->next;
	else
		c->head = s->next;
	if (s->next != NONE)
		c->slots[s->next].prev = s->prev;
	else
		c->tail = s->prev;
	s->prev = s->next = NONE;
}

static void push_front(OlPageCache *c, guint i)
{
	Slot *s = &c->slots[i];
	s->prev = NONE;
	s->next = c->head;
	if (c->head != NONE)
		c->slots[c->head].prev = i;
	c->head = i;
	if (c->tail == NONE)
		c->tail = i;
}

/* The slot holding KEY, or NONE.  Caller holds the lock. */
static guint lookup(OlPageCache *c, guint64 key)
{
	gpointer v = g_hash_table_lookup(c->index, &key);
	return v ? GPOINTER_TO_UINT(v) - 1 : NONE;
}

gboolean ol_page_cache_read(OlPageCache *c, guint64 key, gsize off, void *dst, gsize len)
{
	guint i;

	g_assert(off <= c->page_size && len <= c->page_size - off);
	g_mutex_lock(&c->lock);
	i = lookup(c, key);
	if (i == NONE) {
		c->misses++;
		g_mutex_unlock(&c->lock);
		return FALSE;
	}
	c->hits++;
	if (c->head != i) {
		unlink_slot(c, i);
		push_front(c, i);
	}
	memcpy(dst, c->data + (gsize)i * c->page_size + off, len);
	g_mutex_unlock(&c->lock);
	return TRUE;
}

void ol_page_cache_put(OlPageCache *c, guint64 key, const void *page)
{
	guint i;
	Slot *s;

	g_mutex_lock(&c->lock);
	i = lookup(c, key);
	if (i != NONE) {
		unlink_slot(c, i);
	} else if (c->n_used < c->n) {
		i = c->n_used++;
	} else {
		i = c->tail;
		unlink_slot(c, i);
		g_hash_table_remove(c->index, &c->slots[i].key);
		c->evictions++;
	}
	s = &c->slots[i];
	if (!s->used || s->key != key) {
		s->key = key;
		s->used = TRUE;
		g_hash_table_insert(c->index, &s->key, GUINT_TO_POINTER(i + 1));
	}
	memcpy(c->data + (gsize)i * c->page_size, page, c->page_size);
	push_front(c, i);
	g_mutex_unlock(&c->lock);
}

void ol_page_cache_stats(OlPageCache *c, guint64 *hits, guint64 *misses, guint64 *evictions)
{
	g_mutex_lock(&c->lock);
	if (hits)
		*hits = c->hits;
	if (misses)
		*misses = c->misses;
	if (evictions)
		*evictions = c->evictions;
	g_mutex_unlock(&c->lock);
}
