#ifndef NICBED_CLIBUV_SHIM_H
#define NICBED_CLIBUV_SHIM_H
#include <uv.h>
#endif
