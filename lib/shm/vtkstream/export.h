// Which declarations libvtkstream exports. The library is compiled with hidden visibility
// (meson's gnu_symbol_visibility: 'hidden'), so everything that is not marked here stays inside
// it: what an application can call is exactly what the installed headers declare with
// VTKSTREAM_API, and internals can change without breaking programs linked against the library.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
// On a class: its members (and nested classes, unless marked VTKSTREAM_LOCAL) are exported.
#define VTKSTREAM_API __attribute__((visibility("default")))
// On a nested implementation class of an exported class: keeps it out of the export list.
#define VTKSTREAM_LOCAL __attribute__((visibility("hidden")))
#else
#define VTKSTREAM_API
#define VTKSTREAM_LOCAL
#endif
