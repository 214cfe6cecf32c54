/*
 * version.h — lowwatt's version and a description of the build.
 */
#ifndef LOWWATT_VERSION_H
#define LOWWATT_VERSION_H

#define LW_VERSION "0.1.0"

#ifndef LW_BUILD_ARCH
#define LW_BUILD_ARCH "unknown arch"
#endif

#define LW_BUILD_INFO "gcc " __VERSION__ ", " LW_BUILD_ARCH

#endif
