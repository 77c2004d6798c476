#ifndef NICBED_CLIBUV_SHIM_H
#define NICBED_CLIBUV_SHIM_H
#include <uv.h>
#include <sys/socket.h>

/* sendmmsg(2) and its message type are declared by glibc only under _GNU_SOURCE, which the
   Swift Glibc module is not built with: the same layout and symbol under names of our own. */
struct nicbed_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};
extern int nicbed_sendmmsg(int fd, struct nicbed_mmsghdr *messages, unsigned int count, int flags) __asm__("sendmmsg");

/* linux/udp.h: the level and option of a UDP GSO send's segment size. */
#define NICBED_SOL_UDP 17
#define NICBED_UDP_SEGMENT 103
#endif
