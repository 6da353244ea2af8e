#ifndef CINEMA_CPOCKETSPHINX_SHIM_H
#define CINEMA_CPOCKETSPHINX_SHIM_H
// Debian's libpocketsphinx-dev (0.8+5prealpha): the decoder API. cmd_ln_init is variadic and
// cannot be called from Swift; the recognizer builds its arguments with cmd_ln_parse_r.
#include <pocketsphinx.h>
// Language model sets (ngram_model_set_init), for interpolating two language models.
#include <sphinxbase/ngram_model.h>
#endif
