/* host_param.c: typed param setters (pipe_set_param_value, what the generated header's
 * P_set_NAME calls). Params are kept as text (params.c), so a typed value is written in
 * the text form pipe_set_param reads back to the same value (shortest f64 text, RFC 3339
 * timestamps, durations in units) and set through it: one path for every setter.
 */
#include <stdlib.h>
#include <string.h>

#include "rt_host.h"

int pipe_set_param_value(pipe_run *r, const char *name, int type, const pipe_value *v) {
  const pipe_param_desc *pd = NULL;
  for (int i = 0; name && i < r->prog->nparams; i++)
    if (strcmp(r->prog->params[i].name, name) == 0) pd = &r->prog->params[i];
  if (!pd) return pipe_set_param(r, name ? name : "", "");   /* says it is unknown */
  if (!v) return rt_host_fail(&r->err, 2, "error: param `%s`: no value", name);
  if (pd->type != type)
    return rt_host_fail(&r->err, 2, "error: param `%s` is %s, set as %s", name, rt_type_name(pd->type),
                        rt_type_name(type));
  if (v->is_null) {
    if (!pd->nullable) return rt_host_fail(&r->err, 2, "error: param `%s` is not nullable", name);
    return pipe_set_param(r, name, "");
  }
  char buf[PIPE_FMT_MAX + 1];
  int n = 0;
  switch (type) {
  case PIPE_T_STRING: {
    if (v->slen < 0) return pipe_set_param(r, name, v->s ? v->s : "");
    char *text = rt_xmalloc((size_t)v->slen + 1);   /* bytes without a NUL */
    if (v->slen) memcpy(text, v->s, (size_t)v->slen);
    text[v->slen] = 0;
    int rc = pipe_set_param(r, name, text);
    free(text);
    return rc;
  }
  case PIPE_T_BOOL: return pipe_set_param(r, name, v->i ? "true" : "false");
  case PIPE_T_F64: n = pipe_fmt_f64(v->f, buf); break;
  case PIPE_T_TIMESTAMP: n = pipe_fmt_ts(v->i, buf); break;
  case PIPE_T_DURATION: n = pipe_fmt_dur(v->i, buf); break;
  default: n = pipe_fmt_i64(v->i, buf); break;
  }
  buf[n] = 0;
  return pipe_set_param(r, name, buf);
}
