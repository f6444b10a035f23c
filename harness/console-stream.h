/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A guest's serial console over libvirt (virDomainOpenConsole), appended to
 * a local file as it comes: a daemon's QEMU writes its console on its own
 * host, so the harness reads it through the connection instead. The file
 * is what console.h's watcher follows, as for an embedded run's console.log.
 */
#pragma once
#include <glib.h>
#include <libvirt/libvirt.h>

typedef struct ConsoleStream ConsoleStream;

/* Open DOM's first console (a pty serial) and append everything it says to
 * PATH. The data is written from libvirt's event loop thread (which must
 * be running: vm.h's). */
GError *console_stream_open(virConnectPtr conn, virDomainPtr dom, const char *path,
			    ConsoleStream **out) G_GNUC_WARN_UNUSED_RESULT;
/* TRUE once the stream ended (the guest is gone) or failed. */
gboolean console_stream_ended(ConsoleStream *cs);
/* Once ended: "end of stream", or the error that ended it. */
const char *console_stream_end_reason(ConsoleStream *cs);
/* Stop reading, close the stream and the file. */
void console_stream_free(ConsoleStream *cs);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ConsoleStream, console_stream_free)
