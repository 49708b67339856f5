/* pipe/arrow.h: the Arrow C Data Interface (https://arrow.apache.org/docs/format/CDataInterface.html),
 * the public ABI through which Arrow libraries (DuckDB, Polars, pyarrow, nanoarrow, ...)
 * exchange columnar data in process. Written from the public specification; the guard is
 * the one the specification prescribes, so this header and any other copy of the same
 * definitions (arrow/c/abi.h, nanoarrow.h) may be included together in either order.
 * pipe/pipe.h includes it for pipe_host_push_arrow and pipe_bind_sink_arrow.
 */
#ifndef PIPE_ARROW_H
#define PIPE_ARROW_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
  /* Array type description */
  const char *format;
  const char *name;
  const char *metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema **children;
  struct ArrowSchema *dictionary;

  /* Release callback */
  void (*release)(struct ArrowSchema *);
  /* Opaque producer-specific data */
  void *private_data;
};

struct ArrowArray {
  /* Array data description */
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void **buffers;
  struct ArrowArray **children;
  struct ArrowArray *dictionary;

  /* Release callback */
  void (*release)(struct ArrowArray *);
  /* Opaque producer-specific data */
  void *private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

#ifdef __cplusplus
}
#endif
#endif
