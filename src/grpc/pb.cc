// Protobuf at run time for k6/net/grpc over Google's libprotobuf (pb.h).
//
// One pb_pool is one grpc.Client's descriptors: a DescriptorPool whose files
// come from a database of our own (FileDb) that holds every
// FileDescriptorProto loaded so far (.proto files parsed by libprotoc's
// Parser, protosets, server reflection) and falls back to the well-known
// types compiled into libprotobuf, so that google/protobuf/*.proto need not
// be on disk. The pool builds a file (and what it imports) when asked for it.
//
// JSON to wire follows Go's protojson token by token (Decoder: its
// acceptance, its error words and positions), setting the values through
// libprotobuf's reflection and leaving the encoding and the well-known types'
// JSON forms to libprotobuf; see Decoder for why not libprotobuf's JSON parser.
//
// Wire to JSON walks the parsed message itself, because k6 marshals with
// protojson's EmitUnpopulated, which libprotobuf's printer cannot reproduce:
// unset message fields and proto2 optional fields as null, unset oneof
// members left out, every other field with its default. Well-known types
// inside are printed by libprotobuf's printer (their mapping is the same).
//
// Every entry point catches C++ exceptions (std::bad_alloc above all) and
// returns an error; libprotobuf's log output is switched off.

#include "grpc/pb.h"

#include <google/protobuf/compiler/parser.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/type.pb.h>
#include <google/protobuf/util/field_mask_util.h>
#include <google/protobuf/util/time_util.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver.h>
#include <google/protobuf/util/type_resolver_util.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unistd.h>
#include <unordered_map>
#include <vector>

extern "C" {
#include "util/base64.h"
#include "util/jsonstr.h"
#include "util/utf8.h"
}

namespace gp = google::protobuf;

namespace {

const char kTypeUrlPrefix[] = "type.googleapis.com";
// Messages within messages, both ways: libprotobuf's own parsing limit. (Go's
// protojson and proto.Unmarshal allow 10000; the recursion here costs ~500
// bytes of stack a level and a VU's stack is 256 KB.)
const int kMaxNesting = 100;

#define PB_NOINLINE __attribute__((noinline))

void set_err(char *err, size_t errlen, const std::string &msg) {
    if (!err || !errlen) return;
    size_t n = std::min(msg.size(), errlen - 1);
    memcpy(err, msg.data(), n);
    err[n] = 0;
}

bool is_builtin_file(const std::string &name) { return name.rfind("google/protobuf/", 0) == 0; }

// The files loaded so far, then the well-known types compiled into libprotobuf.
class FileDb : public gp::DescriptorDatabase {
  public:
    std::map<std::string, gp::FileDescriptorProto> files;

    FileDb() : builtin_(*gp::DescriptorPool::generated_pool()) {}
    bool FindFileByName(const std::string &name, gp::FileDescriptorProto *out) override {
        auto it = files.find(name);
        if (it != files.end()) {
            *out = it->second;
            return true;
        }
        return is_builtin_file(name) && builtin_.FindFileByName(name, out);
    }
    // Only the well-known types are looked up by symbol (pb_message_type).
    bool FindFileContainingSymbol(const std::string &sym, gp::FileDescriptorProto *out) override {
        return sym.rfind("google.protobuf.", 0) == 0 && builtin_.FindFileContainingSymbol(sym, out);
    }
    bool FindFileContainingExtension(const std::string &, int, gp::FileDescriptorProto *) override { return false; }
    bool has_builtin(const std::string &name) {
        gp::FileDescriptorProto tmp;
        return is_builtin_file(name) && builtin_.FindFileByName(name, &tmp);
    }

  private:
    gp::DescriptorPoolDatabase builtin_;
};

// The first error the pool reports while building a file.
class PoolErrors : public gp::DescriptorPool::ErrorCollector {
  public:
    std::string first;
    void AddError(const std::string &filename, const std::string &element, const gp::Message *, ErrorLocation,
                  const std::string &message) override {
        if (!first.empty()) return;
        first = filename + ": " + (element.empty() ? "" : element + ": ") + message;
    }
};

// The first error of libprotoc's .proto parser, as file:line:column: message.
class ParseErrors : public gp::io::ErrorCollector {
  public:
    std::string file, first;
    void AddError(int line, gp::io::ColumnNumber column, const std::string &message) override {
        if (!first.empty()) return;
        first = file + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
    }
};

// Type lookups by URL, kept: the JSON parser asks for every type of a message
// on every call, and making a Type from a Descriptor each time is costly.
class CachingResolver : public gp::util::TypeResolver {
  public:
    explicit CachingResolver(gp::util::TypeResolver *inner) : inner_(inner) {}
    gp::util::Status ResolveMessageType(const std::string &url, gp::Type *out) override {
        auto it = types_.find(url);
        if (it == types_.end()) {
            gp::Type t;
            gp::util::Status st = inner_->ResolveMessageType(url, &t);
            if (!st.ok()) return st;
            it = types_.emplace(url, std::move(t)).first;
        }
        *out = it->second;
        return gp::util::Status();
    }
    gp::util::Status ResolveEnumType(const std::string &url, gp::Enum *out) override {
        auto it = enums_.find(url);
        if (it == enums_.end()) {
            gp::Enum e;
            gp::util::Status st = inner_->ResolveEnumType(url, &e);
            if (!st.ok()) return st;
            it = enums_.emplace(url, std::move(e)).first;
        }
        *out = it->second;
        return gp::util::Status();
    }

  private:
    std::unique_ptr<gp::util::TypeResolver> inner_;
    std::unordered_map<std::string, gp::Type> types_;
    std::unordered_map<std::string, gp::Enum> enums_;
};

struct MethodRec {
    std::string full, package, service, name;
    pb_method m;
};

}   // namespace

// What pb_method.in/out point to.
struct pb_msgtype {
    const gp::Descriptor *d;
    pb_pool *pool;
    std::string url;                                        // type.googleapis.com/full.Name
    std::unique_ptr<gp::Message> in_scratch, out_scratch;   // reused, one per direction
};

struct pb_pool {
    FileDb db;
    PoolErrors perr;
    gp::DescriptorPool pool{&db, &perr};
    gp::DynamicMessageFactory factory{&pool};
    std::unique_ptr<CachingResolver> resolver;
    std::deque<MethodRec> recs;
    std::vector<const pb_method *> all, last;
    std::unordered_map<std::string, const pb_method *> by_name;
    std::map<std::string, std::vector<const pb_method *>> file_methods;   // built files
    std::unordered_map<const gp::Descriptor *, std::unique_ptr<pb_msgtype>> types;
    std::vector<std::string> pending;   // pb_add_file's, waiting for imports
    const pb_method *last_found = nullptr;
    bool last_from_add = false;
};

namespace {

pb_msgtype *msgtype(pb_pool *p, const gp::Descriptor *d) {
    auto &slot = p->types[d];
    if (!slot) {
        std::unique_ptr<pb_msgtype> t(new pb_msgtype);
        t->d = d;
        t->pool = p;
        t->url = std::string(kTypeUrlPrefix) + "/" + d->full_name();
        slot = std::move(t);
    }
    return slot.get();
}

// Registers the methods of a built file (once) and lists them in p->last.
void register_file(pb_pool *p, const gp::FileDescriptor *fd) {
    auto it = p->file_methods.find(fd->name());
    if (it == p->file_methods.end()) {
        std::vector<const pb_method *> ms;
        for (int i = 0; i < fd->service_count(); i++) {
            const gp::ServiceDescriptor *sd = fd->service(i);
            for (int j = 0; j < sd->method_count(); j++) {
                const gp::MethodDescriptor *md = sd->method(j);
                p->recs.emplace_back();
                MethodRec &r = p->recs.back();
                r.full = "/" + sd->full_name() + "/" + md->name();
                r.package = fd->package();
                r.service = sd->name();
                r.name = md->name();
                r.m.full_name = r.full.c_str();
                r.m.package = r.package.c_str();
                r.m.service = r.service.c_str();
                r.m.name = r.name.c_str();
                r.m.in = msgtype(p, md->input_type());
                r.m.out = msgtype(p, md->output_type());
                r.m.client_streaming = md->client_streaming();
                r.m.server_streaming = md->server_streaming();
                ms.push_back(&r.m);
                p->all.push_back(&r.m);
                p->by_name[r.full] = &r.m;   // a later load of the same name wins, as k6's map
                p->last_found = nullptr;
            }
        }
        it = p->file_methods.emplace(fd->name(), std::move(ms)).first;
    }
    p->last.insert(p->last.end(), it->second.begin(), it->second.end());
}

// fd and what it imports, each once, fd first (k6's walkFileDescriptors order).
void register_tree(pb_pool *p, const gp::FileDescriptor *fd, std::set<std::string> &seen) {
    if (!seen.insert(fd->name()).second) return;
    register_file(p, fd);
    for (int i = 0; i < fd->dependency_count(); i++) register_tree(p, fd->dependency(i), seen);
}

// Builds a file the database holds; nullptr and err = the pool's first error.
const gp::FileDescriptor *build(pb_pool *p, const std::string &name, std::string &err) {
    p->perr.first.clear();
    const gp::FileDescriptor *fd = p->pool.FindFileByName(name);
    if (!fd) err = p->perr.first.empty() ? "could not build " + name : p->perr.first;
    return fd;
}

bool read_file(const std::string &path, std::string &out, int &errnum) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        errnum = errno;
        return false;
    }
    out.clear();
    char tmp[16384];
    for (;;) {
        ssize_t r = read(fd, tmp, sizeof tmp);
        if (r < 0) {
            if (errno == EINTR) continue;
            errnum = errno;
            close(fd);
            return false;
        }
        if (r == 0) break;
        out.append(tmp, (size_t)r);
    }
    close(fd);
    return true;
}

std::string join_path(const std::string &dir, const std::string &name) {
    if (name.empty() || name[0] == '/' || dir.empty()) return name;
    if (dir.back() == '/') return dir + name;
    return dir + "/" + name;
}

// Go's filepath.Clean, enough for the messages: "a/./b" -> "a/b", "a/x/../b" -> "a/b".
std::string clean_path(const std::string &path) {
    if (path.empty()) return ".";
    bool abs = path[0] == '/';
    std::vector<std::string> parts;
    size_t i = 0;
    while (i <= path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string::npos) j = path.size();
        std::string seg = path.substr(i, j - i);
        if (seg.empty() || seg == ".") {
        } else if (seg == "..") {
            if (!parts.empty() && parts.back() != "..") parts.pop_back();
            else if (!abs) parts.push_back(seg);
        } else {
            parts.push_back(seg);
        }
        i = j + 1;
    }
    std::string out = abs ? "/" : "";
    for (size_t k = 0; k < parts.size(); k++) out += (k ? "/" : "") + parts[k];
    return out.empty() ? "." : out;
}

// The well-known types protojson maps specially (not as plain objects).
bool wkt_special(const gp::Descriptor *d) {
    if (d->file()->name().rfind("google/protobuf/", 0) != 0) return false;
    static const char *const names[] = {
        "google.protobuf.Any",        "google.protobuf.Duration",    "google.protobuf.FieldMask",
        "google.protobuf.ListValue",  "google.protobuf.Struct",      "google.protobuf.Timestamp",
        "google.protobuf.Value",      "google.protobuf.BoolValue",   "google.protobuf.Int32Value",
        "google.protobuf.Int64Value", "google.protobuf.UInt32Value", "google.protobuf.UInt64Value",
        "google.protobuf.FloatValue", "google.protobuf.DoubleValue", "google.protobuf.StringValue",
        "google.protobuf.BytesValue"};
    for (const char *n : names)
        if (d->full_name() == n) return true;
    return false;
}

class Loader {
  public:
    Loader(pb_pool *p, const std::string &base, std::vector<std::string> paths, pb_read_fn rd, void *ud)
        : p_(p), base_(base), paths_(std::move(paths)), rd_(rd), ud_(ud) {}

    // Parses name and (first) what it imports into the database.
    // from: the file importing name, as its dependency idx (nullptr at the top).
    bool parse(const std::string &name, std::string &err, const gp::FileDescriptorProto *from = nullptr, int idx = -1) {
        if (p_->db.files.count(name) || done_.count(name)) return true;
        std::string text, tried;
        int errnum = ENOENT;
        bool found = false;
        // protocompile's SourceResolver: each import path in turn; a missing
        // file goes on to the next, another error stops; the last error is
        // the one reported.
        for (const std::string &ip : paths_) {
            std::string path = clean_path(join_path(base_, join_path(ip, name)));
            tried = path;
            if (read(path, text, errnum)) {
                found = true;
                break;
            }
            if (errnum != ENOENT && errnum != ENOTDIR) break;
        }
        if (!found) {
            if (p_->db.has_builtin(name)) return true;   // a well-known type, built in
            // Go's os.PathError: "open PATH: no such file or directory"
            std::string why = strerror(errnum);
            if (!why.empty() && why[0] >= 'A' && why[0] <= 'Z') why[0] = (char)(why[0] - 'A' + 'a');
            err = "open " + tried + ": " + why;
            // an import: protoparse reports it at the import statement
            // ("svc.proto:4:1: open ...: no such file or directory")
            if (from)
                for (const auto &loc : from->source_code_info().location())
                    if (loc.path_size() == 2 && loc.path(0) == 3 && loc.path(1) == idx && loc.span_size() >= 2) {
                        err = from->name() + ":" + std::to_string(loc.span(0) + 1) + ":" +
                              std::to_string(loc.span(1) + 1) + ": " + err;
                        break;
                    }
            return false;
        }
        gp::io::ArrayInputStream in(text.data(), (int)text.size());
        ParseErrors pe;
        pe.file = name;
        gp::io::Tokenizer tok(&in, &pe);
        gp::compiler::Parser parser;
        parser.RecordErrorsTo(&pe);
        gp::FileDescriptorProto fdp;
        if (!parser.Parse(&tok, &fdp) || !pe.first.empty()) {
            err = pe.first.empty() ? name + ": syntax error" : pe.first;
            return false;
        }
        fdp.set_name(name);
        done_.insert(name);
        for (int i = 0; i < fdp.dependency_size(); i++)
            if (!parse(fdp.dependency(i), err, &fdp, i)) return false;
        fdp.clear_source_code_info();   // only wanted for the message above
        p_->db.files.emplace(name, std::move(fdp));
        return true;
    }

  private:
    pb_pool *p_;
    std::string base_;
    std::vector<std::string> paths_;
    pb_read_fn rd_;
    void *ud_;
    std::set<std::string> done_;

    bool read(const std::string &path, std::string &out, int &errnum) {
        if (!rd_) return read_file(path, out, errnum);
        const void *data = nullptr;
        size_t len = 0;
        int e = rd_(ud_, path.c_str(), &data, &len);
        if (e) {
            errnum = e;
            return false;
        }
        out.assign(len ? (const char *)data : "", len);
        return true;
    }
};

// Whether name and everything it imports is at hand (loaded or built in).
bool closure_ready(pb_pool *p, const std::string &name, std::set<std::string> &seen, std::string *missing) {
    if (!seen.insert(name).second) return true;
    auto it = p->db.files.find(name);
    if (it == p->db.files.end()) {
        if (p->db.has_builtin(name)) return true;
        if (missing) *missing = name;
        return false;
    }
    for (const std::string &dep : it->second.dependency())
        if (!closure_ready(p, dep, seen, missing)) return false;
    return true;
}

// Builds every pending pb_add_file whose imports have all arrived.
bool build_pending(pb_pool *p, std::string &err) {
    bool progress = true;
    while (progress) {
        progress = false;
        for (size_t i = 0; i < p->pending.size(); i++) {
            std::set<std::string> seen;
            if (!closure_ready(p, p->pending[i], seen, nullptr)) continue;
            std::string name = p->pending[i];
            p->pending.erase(p->pending.begin() + (long)i);
            const gp::FileDescriptor *fd = build(p, name, err);
            if (!fd) return false;
            register_file(p, fd);
            progress = true;
            break;
        }
    }
    return true;
}

// protodesc.NewFiles: every import must be in the set itself.
bool set_complete(const gp::FileDescriptorSet &set, std::string &err) {
    std::set<std::string> names;
    for (const auto &f : set.file()) names.insert(f.name());
    for (const auto &f : set.file())
        for (const std::string &dep : f.dependency())
            if (!names.count(dep)) {
                err = "proto: could not resolve import \"" + dep + "\": not found";
                return false;
            }
    return true;
}

// ---- JSON text -> message ------------------------------------------------
//
// Go's protojson decoding, in its order and with its words: the first
// problem in document order, at the position of the token concerned, as
// "proto: (line L:C): ..." or, for structure, "proto: syntax error (line
// L:C): unexpected token T". (Go picks a space or a no-break space after
// "proto:" per binary, to discourage matching; a plain space here.) The values
// are set through libprotobuf's reflection; the well-known types with a JSON
// form of their own (Timestamp, Duration, FieldMask, Struct, Value,
// ListValue, Any) go to libprotobuf's JSON parser whole, and its refusal is
// worded as protojson's "invalid google.protobuf.Timestamp value ...".
// libprotobuf's parser is not used for the rest: it accepts what protojson
// refuses (e.g. {"x": ...} as an int64 map key), words errors its own way
// without positions ("Cannot find field."), and takes ~8 us for a small
// message where this takes ~1.
class Decoder {
  public:
    Decoder(pb_pool *p, const char *s, size_t n) : p_(p), s_(s), n_(n) {}

    // Fills m from the text; false with err() set.
    bool decode(gp::Message *m) {
        if (!msg(m->GetDescriptor(), m)) {
            if (msg_.empty()) syntax();
            return false;
        }
        Tok t = next();
        if (t.k != END) return unexpected(t);
        return true;
    }
    const std::string &err() const { return msg_; }

  private:
    enum Kind { END, BAD, OBJ_OPEN, OBJ_CLOSE, ARR_OPEN, ARR_CLOSE, STRING, NUMBER, TRUE, FALSE, NUL };
    struct Tok {
        Kind k = END;
        size_t pos = 0, len = 0;
        std::string str;   // decoded, for STRING
    };
    pb_pool *p_;
    const char *s_;
    size_t n_, i_ = 0;
    std::string msg_;
    int depth_ = 0;

    // Nesting, bounded (a recursive message type takes any depth; the stack
    // does not): protojson's message, at kMaxNesting.
    static constexpr int kMaxDepth = kMaxNesting;
    struct Nest {
        Decoder &d;
        explicit Nest(Decoder &dec) : d(dec) { d.depth_++; }
        ~Nest() { d.depth_--; }
        bool too_deep() {
            if (d.depth_ <= kMaxDepth) return false;
            d.msg_ = "proto: exceeded max recursion depth";
            return true;
        }
    };

    void ws() {
        while (i_ < n_ && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) i_++;
    }
    static void put_utf8(std::string &o, unsigned v) {
        if (v < 0x80) {
            o += (char)v;
        } else if (v < 0x800) {
            o += (char)(0xC0 | (v >> 6));
            o += (char)(0x80 | (v & 0x3F));
        } else if (v < 0x10000) {
            o += (char)(0xE0 | (v >> 12));
            o += (char)(0x80 | ((v >> 6) & 0x3F));
            o += (char)(0x80 | (v & 0x3F));
        } else {
            o += (char)(0xF0 | (v >> 18));
            o += (char)(0x80 | ((v >> 12) & 0x3F));
            o += (char)(0x80 | ((v >> 6) & 0x3F));
            o += (char)(0x80 | (v & 0x3F));
        }
    }
    bool hex4(unsigned &v) {
        if (n_ - i_ < 4) return false;
        v = 0;
        for (int k = 0; k < 4; k++) {
            char h = s_[i_++];
            int d = h >= '0' && h <= '9'   ? h - '0'
                    : h >= 'a' && h <= 'f' ? h - 'a' + 10
                    : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                           : -1;
            if (d < 0) return false;
            v = v * 16 + (unsigned)d;
        }
        return true;
    }
    // A string's body after its quote (at start); false on malformed text.
    bool string_body(std::string &o, size_t start) {
        for (;;) {
            size_t run = i_;
            while (i_ < n_ && s_[i_] != '"' && s_[i_] != '\\' && (unsigned char)s_[i_] >= 0x20) {
                if ((unsigned char)s_[i_] < 0x80) {
                    i_++;
                    continue;
                }
                uint32_t cp;
                size_t len = utf8_decode((const unsigned char *)s_ + i_, n_ - i_, &cp);
                if (!len) {   // Go's JSON decoder refuses the string
                    if (msg_.empty()) msg_ = "proto: syntax error " + where(start) + "invalid UTF-8 in string";
                    return false;
                }
                i_ += len;
            }
            o.append(s_ + run, i_ - run);
            if (i_ >= n_ || (unsigned char)s_[i_] < 0x20) return false;
            if (s_[i_++] == '"') return true;
            if (i_ >= n_) return false;
            char e = s_[i_++];
            switch (e) {
            case 'n': o += '\n'; break;
            case 't': o += '\t'; break;
            case 'r': o += '\r'; break;
            case 'b': o += '\b'; break;
            case 'f': o += '\f'; break;
            case '"':
            case '\\':
            case '/': o += e; break;
            case 'u': {
                unsigned v;
                if (!hex4(v)) return false;
                if (v >= 0xD800 && v < 0xDC00 && n_ - i_ >= 6 && s_[i_] == '\\' && s_[i_ + 1] == 'u') {
                    size_t save = i_;
                    i_ += 2;
                    unsigned lo;
                    if (hex4(lo) && lo >= 0xDC00 && lo < 0xE000) {
                        v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                    } else {
                        i_ = save;
                        v = 0xFFFD;
                    }
                } else if (v >= 0xD800 && v < 0xE000) {
                    v = 0xFFFD;   // a lone surrogate, as Go's decoder reads it
                }
                put_utf8(o, v);
                break;
            }
            default: return false;
            }
        }
    }
    // Next value or bracket; commas and colons are skipped (the text comes
    // from JSON.stringify; a malformed one ends in BAD).
    Tok next() {
        ws();
        while (i_ < n_ && (s_[i_] == ',' || s_[i_] == ':')) {
            i_++;
            ws();
        }
        Tok t;
        t.pos = i_;
        if (i_ >= n_) return t;
        char c = s_[i_];
        switch (c) {
        case '{':
            t.k = OBJ_OPEN;
            i_++;
            break;
        case '}':
            t.k = OBJ_CLOSE;
            i_++;
            break;
        case '[':
            t.k = ARR_OPEN;
            i_++;
            break;
        case ']':
            t.k = ARR_CLOSE;
            i_++;
            break;
        case '"':
            i_++;
            t.k = string_body(t.str, t.pos) ? STRING : BAD;
            break;
        default:
            if (c == '-' || (c >= '0' && c <= '9')) {
                t.k = NUMBER;
                while (i_ < n_ && (strchr("+-.eE", s_[i_]) || (s_[i_] >= '0' && s_[i_] <= '9'))) i_++;
            } else if (n_ - i_ >= 4 && !memcmp(s_ + i_, "true", 4)) {
                t.k = TRUE;
                i_ += 4;
            } else if (n_ - i_ >= 5 && !memcmp(s_ + i_, "false", 5)) {
                t.k = FALSE;
                i_ += 5;
            } else if (n_ - i_ >= 4 && !memcmp(s_ + i_, "null", 4)) {
                t.k = NUL;
                i_ += 4;
            } else {
                t.k = BAD;
                i_++;
            }
        }
        t.len = i_ - t.pos;
        return t;
    }
    // The kind of the next token, without reading it.
    Kind peek_kind() {
        size_t save = i_;
        ws();
        while (i_ < n_ && (s_[i_] == ',' || s_[i_] == ':')) {
            i_++;
            ws();
        }
        size_t at = i_;
        i_ = save;
        if (at >= n_) return END;
        switch (s_[at]) {
        case '{': return OBJ_OPEN;
        case '}': return OBJ_CLOSE;
        case '[': return ARR_OPEN;
        case ']': return ARR_CLOSE;
        case '"': return STRING;
        case 'n': return n_ - at >= 4 && !memcmp(s_ + at, "null", 4) ? NUL : BAD;
        case 't': return n_ - at >= 4 && !memcmp(s_ + at, "true", 4) ? TRUE : BAD;
        case 'f': return n_ - at >= 5 && !memcmp(s_ + at, "false", 5) ? FALSE : BAD;
        default: return s_[at] == '-' || (s_[at] >= '0' && s_[at] <= '9') ? NUMBER : BAD;
        }
    }
    Tok peek() {
        size_t save = i_;
        Tok t = next();
        i_ = save;
        return t;
    }
    std::string raw(const Tok &t) { return t.k == END ? "" : std::string(s_ + t.pos, t.len); }
    std::string where(size_t pos) {
        size_t line = 1, col = 1;
        for (size_t k = 0; k < pos && k < n_; k++) {
            unsigned char c = (unsigned char)s_[k];
            if (c == '\n') {
                line++;
                col = 1;
            } else if ((c & 0xC0) != 0x80) {
                col++;   // runes, as Go counts columns
            }
        }
        return "(line " + std::to_string(line) + ":" + std::to_string(col) + "): ";
    }
    // The error paths and the rarely deep ones are kept out of line: msg and
    // singular recurse once per level of nesting and their frames must stay
    // small (a VU's stack is 256 KB).
    PB_NOINLINE bool fail(size_t pos, const std::string &what) {
        msg_ = "proto: " + where(pos) + what;
        return false;
    }
    PB_NOINLINE bool unexpected(const Tok &t) {
        if (t.k == END) {
            msg_ = "proto: unexpected EOF";
            return false;
        }
        if (t.k == BAD) return false;
        msg_ = "proto: syntax error " + where(t.pos) + "unexpected token " + raw(t);
        return false;
    }
    void syntax() {
        ws();
        size_t end = i_;
        while (end < n_ && !strchr(",:]} \t\r\n", s_[end])) end++;
        msg_ = i_ >= n_ ? "proto: unexpected EOF"
                        : "proto: syntax error " + where(i_) + "invalid value " + std::string(s_ + i_, end - i_);
    }
    // Skips one value; false on malformed text.
    bool skip() {
        Nest nest(*this);
        if (nest.too_deep()) return false;
        Tok t = next();
        if (t.k == OBJ_OPEN || t.k == ARR_OPEN) {
            Kind close = t.k == OBJ_OPEN ? OBJ_CLOSE : ARR_CLOSE;
            for (;;) {
                Tok u = peek();
                if (u.k == close) {
                    next();
                    return true;
                }
                if (u.k == END || u.k == BAD) return false;
                if (t.k == OBJ_OPEN && next().k != STRING) return false;
                if (!skip()) return false;
            }
        }
        return t.k != END && t.k != BAD && t.k != OBJ_CLOSE && t.k != ARR_CLOSE;
    }
    static bool is_wrapper(const gp::Descriptor *d) {
        return wkt_special(d) && d->field_count() == 1 && d->field(0)->name() == "value" &&
               d->full_name() != "google.protobuf.ListValue" && d->full_name() != "google.protobuf.Value";
    }
    // A well-known type with a JSON form of its own, by libprotobuf:
    // Timestamp and Duration by TimeUtil, FieldMask by FieldMaskUtil, the
    // others (Struct, Value, ListValue, Any) by its JSON parser.
    PB_NOINLINE bool wkt(const gp::Descriptor *d, gp::Message *m) {
        Tok first = peek();
        size_t start = first.pos;
        if (!skip()) return unexpected(first);
        const std::string &name = d->full_name();
        const gp::Reflection *r = m->GetReflection();
        bool ok = false;
        if (name == "google.protobuf.Timestamp" || name == "google.protobuf.Duration") {
            int64_t secs = 0;
            int32_t nanos = 0;
            using TU = gp::util::TimeUtil;
            if (first.k == STRING && name == "google.protobuf.Timestamp") {
                gp::Timestamp ts;
                if ((ok = TU::FromString(first.str, &ts))) secs = ts.seconds(), nanos = ts.nanos();
                ok = ok && secs >= TU::kTimestampMinSeconds && secs <= TU::kTimestampMaxSeconds && nanos >= 0 &&
                     nanos < 1000000000;
            } else if (first.k == STRING) {
                gp::Duration du;
                if ((ok = TU::FromString(first.str, &du))) secs = du.seconds(), nanos = du.nanos();
                // TimeUtil takes seconds past the range protojson allows (and
                // BinaryToJsonString refuses when printing them back): "1e60s"
                // as digits came through as a Duration no answer could show
                ok = ok && secs >= TU::kDurationMinSeconds && secs <= TU::kDurationMaxSeconds && nanos > -1000000000 &&
                     nanos < 1000000000 && !(secs > 0 && nanos < 0) && !(secs < 0 && nanos > 0);
            }
            if (ok) {
                r->SetInt64(m, d->FindFieldByNumber(1), secs);
                r->SetInt32(m, d->FindFieldByNumber(2), nanos);
            }
        } else if (name == "google.protobuf.FieldMask") {
            gp::FieldMask fm;
            if ((ok = first.k == STRING && gp::util::FieldMaskUtil::FromJsonString(first.str, &fm)))
                for (const std::string &path : fm.paths()) r->AddString(m, d->FindFieldByNumber(1), path);
        } else {
            std::string text(s_ + start, i_ - start), bin;
            gp::util::JsonParseOptions po;
            ok = gp::util::JsonToBinaryString(p_->resolver.get(), std::string(kTypeUrlPrefix) + "/" + name, text, &bin,
                                              po)
                     .ok() &&
                 m->MergeFromString(bin);
        }
        if (ok) return true;
        if (first.k == OBJ_OPEN || first.k == ARR_OPEN) first.len = 1;
        return fail(start, "invalid " + name + " value " + raw(first));
    }
    PB_NOINLINE bool unknown(size_t pos, size_t len, const char *what) {
        return fail(pos, what + std::string(s_ + pos, len));
    }
    PB_NOINLINE bool oneof_set(size_t pos, size_t len, const gp::OneofDescriptor *od) {
        return fail(pos,
                    "error parsing " + std::string(s_ + pos, len) + ", oneof " + od->full_name() + " is already set");
    }
    static const gp::FieldDescriptor *field(const gp::Descriptor *d, const std::string &name) {
        for (int f = 0; f < d->field_count(); f++)   // Go: by JSON name, then by proto name
            if (d->field(f)->json_name() == name) return d->field(f);
        return d->FindFieldByName(name);
    }
    bool msg(const gp::Descriptor *d, gp::Message *m) {
        Nest nest(*this);
        if (nest.too_deep()) return false;
        if (is_wrapper(d)) return singular(d->field(0), m, false);
        if (wkt_special(d)) return wkt(d, m);
        if (peek_kind() != OBJ_OPEN) return unexpected(next());
        next();
        uint64_t seen_small = 0;   // field numbers below 64; the rest in seen
        std::vector<int> seen;
        std::vector<const gp::OneofDescriptor *> oneofs;
        Tok k;
        for (;;) {
            k = next();
            if (k.k == OBJ_CLOSE) return true;
            if (k.k != STRING) return unexpected(k);
            const gp::FieldDescriptor *fd = field(d, k.str);
            if (!fd) return unknown(k.pos, k.len, "unknown field ");
            int num = fd->number();
            if (num < 64 ? (seen_small >> num) & 1 : std::find(seen.begin(), seen.end(), num) != seen.end())
                return unknown(k.pos, k.len, "duplicate field ");
            if (num < 64) seen_small |= 1ull << num;
            else seen.push_back(num);
            if (peek_kind() == NUL && !null_is_value(fd)) {
                next();
                continue;
            }
            if (fd->is_map()) {
                if (!map(fd, m)) return false;
            } else if (fd->is_repeated()) {
                if (!list(fd, m)) return false;
            } else {
                const gp::OneofDescriptor *od = fd->containing_oneof();
                if (od) {
                    if (std::find(oneofs.begin(), oneofs.end(), od) != oneofs.end()) return oneof_set(k.pos, k.len, od);
                    oneofs.push_back(od);
                }
                if (!singular(fd, m, false)) return false;
            }
        }
    }
    // null sets google.protobuf.Value and NullValue fields; it leaves any other unset
    static bool null_is_value(const gp::FieldDescriptor *fd) {
        return (fd->message_type() && fd->message_type()->full_name() == "google.protobuf.Value") ||
               (fd->enum_type() && fd->enum_type()->full_name() == "google.protobuf.NullValue");
    }
    PB_NOINLINE bool list(const gp::FieldDescriptor *fd, gp::Message *m) {
        if (peek_kind() != ARR_OPEN) return unexpected(next());
        next();
        for (;;) {
            Kind u = peek_kind();
            if (u == ARR_CLOSE) {
                next();
                return true;
            }
            if (u == END || u == BAD) return unexpected(next());
            if (!singular(fd, m, true)) return false;
        }
    }
    PB_NOINLINE bool map(const gp::FieldDescriptor *fd, gp::Message *m) {
        const gp::FieldDescriptor *kf = fd->message_type()->map_key();
        const gp::FieldDescriptor *vf = fd->message_type()->map_value();
        Tok t = next();
        if (t.k != OBJ_OPEN) return unexpected(t);
        std::set<std::string> keys;
        for (;;) {
            Tok k = next();
            if (k.k == OBJ_CLOSE) return true;
            if (k.k != STRING) return unexpected(k);
            gp::Message *e = m->GetReflection()->AddMessage(m, fd);
            const gp::Reflection *er = e->GetReflection();
            int64_t iv = 0;
            uint64_t uv = 0;
            bool ok = true;
            switch (kf->cpp_type()) {
            case gp::FieldDescriptor::CPPTYPE_BOOL:
                ok = k.str == "true" || k.str == "false";
                if (ok) er->SetBool(e, kf, k.str == "true");
                break;
            case gp::FieldDescriptor::CPPTYPE_STRING: er->SetString(e, kf, k.str); break;
            case gp::FieldDescriptor::CPPTYPE_INT32:
                ok = int_val(k.str, kf->cpp_type(), iv, uv);
                if (ok) er->SetInt32(e, kf, (int32_t)iv);
                break;
            case gp::FieldDescriptor::CPPTYPE_INT64:
                ok = int_val(k.str, kf->cpp_type(), iv, uv);
                if (ok) er->SetInt64(e, kf, iv);
                break;
            case gp::FieldDescriptor::CPPTYPE_UINT32:
                ok = int_val(k.str, kf->cpp_type(), iv, uv);
                if (ok) er->SetUInt32(e, kf, (uint32_t)uv);
                break;
            default:
                ok = int_val(k.str, kf->cpp_type(), iv, uv);
                if (ok) er->SetUInt64(e, kf, uv);
            }
            if (!ok) return fail(k.pos, std::string("invalid value for ") + kf->type_name() + " key: " + raw(k));
            if (!keys.insert(k.str).second) return fail(k.pos, "duplicate map key " + raw(k));
            if (!singular(vf, e, false)) return false;
        }
    }
    // An integer in the range of the type, as Go's protojson takes it (a
    // number, or a string holding one; "1e2" and "1.0" are integers).
    static bool int_val(const std::string &s, gp::FieldDescriptor::CppType ct, int64_t &iv, uint64_t &uv) {
        if (s.empty() || s.size() > 64 || isspace((unsigned char)s[0]) || isspace((unsigned char)s.back()))
            return false;
        const char *c = s.c_str();
        char *end;
        bool plain = s.find_first_of(".eE") == std::string::npos;
        bool is_signed = ct == gp::FieldDescriptor::CPPTYPE_INT32 || ct == gp::FieldDescriptor::CPPTYPE_INT64;
        bool is64 = ct == gp::FieldDescriptor::CPPTYPE_INT64 || ct == gp::FieldDescriptor::CPPTYPE_UINT64;
        errno = 0;
        if (plain && is_signed) {
            long long v = strtoll(c, &end, 10);
            if (*end || errno || (!is64 && (v < INT32_MIN || v > INT32_MAX))) return false;
            iv = v;
            return true;
        }
        if (plain) {
            if (s[0] == '-') {
                long long v = strtoll(c, &end, 10);   // "-0" only
                if (*end || errno || v != 0) return false;
                uv = 0;
                return true;
            }
            unsigned long long v = strtoull(c, &end, 10);
            if (*end || errno || (!is64 && v > UINT32_MAX)) return false;
            uv = v;
            return true;
        }
        double v = strtod(c, &end);
        if (*end || !std::isfinite(v) || v != std::floor(v)) return false;
        if (is_signed) {
            if (is64 ? (v < -9.2233720368547758e18 || v >= 9.2233720368547758e18) : (v < INT32_MIN || v > INT32_MAX))
                return false;
            iv = (int64_t)v;
        } else {
            if (v < 0 || (is64 ? v >= 1.8446744073709552e19 : v > UINT32_MAX)) return false;
            uv = (uint64_t)v;
        }
        return true;
    }
    static bool float_val(const std::string &s, bool is32, double &out) {
        if (s.empty() || isspace((unsigned char)s[0]) || isspace((unsigned char)s.back())) return false;
        char *end;
        errno = 0;
        double v = strtod(s.c_str(), &end);
        if (*end || errno == ERANGE || !std::isfinite(v)) return false;
        if (is32 && std::fabs(v) > 3.4028234663852886e38) return false;
        out = v;
        return true;
    }
    static bool bytes_val(const std::string &s, std::string &out) {
        // Go: the URL alphabet if '-' or '_' appear, unpadded if the length is no multiple of 4
        bool url = s.find_first_of("-_") != std::string::npos;
        int var = url ? (s.size() % 4 ? B64_RAWURL : B64_URL) : (s.size() % 4 ? B64_RAWSTD : B64_STD);
        out.resize(b64_decoded_max(s.size()) + 1);
        size_t bad;
        ssize_t n = b64_decode(s.data(), s.size(), var, (uint8_t *)&out[0], &bad);
        if (n < 0) return false;
        out.resize((size_t)n);
        return true;
    }
    bool singular(const gp::FieldDescriptor *fd, gp::Message *m, bool add) {
        if (fd->cpp_type() == gp::FieldDescriptor::CPPTYPE_MESSAGE) {
            const gp::Reflection *r = m->GetReflection();
            return msg(fd->message_type(), add ? r->AddMessage(m, fd) : r->MutableMessage(m, fd));
        }
        return scalar(fd, m, add);
    }
    PB_NOINLINE bool scalar(const gp::FieldDescriptor *fd, gp::Message *m, bool add) {
        const gp::Reflection *r = m->GetReflection();
        Tok t = next();
        if (t.k == END || t.k == BAD) return unexpected(t);
        bool ok = false;
        switch (fd->cpp_type()) {
        case gp::FieldDescriptor::CPPTYPE_BOOL:
            if ((ok = t.k == TRUE || t.k == FALSE))
                add ? r->AddBool(m, fd, t.k == TRUE) : r->SetBool(m, fd, t.k == TRUE);
            break;
        case gp::FieldDescriptor::CPPTYPE_STRING:
            if (t.k != STRING) break;
            if (fd->type() == gp::FieldDescriptor::TYPE_BYTES) {
                std::string b;
                if (!(ok = bytes_val(t.str, b))) break;
                add ? r->AddString(m, fd, std::move(b)) : r->SetString(m, fd, std::move(b));
            } else {
                ok = true;
                add ? r->AddString(m, fd, std::move(t.str)) : r->SetString(m, fd, std::move(t.str));
            }
            break;
        case gp::FieldDescriptor::CPPTYPE_FLOAT:
        case gp::FieldDescriptor::CPPTYPE_DOUBLE: {
            bool is32 = fd->cpp_type() == gp::FieldDescriptor::CPPTYPE_FLOAT;
            double v = 0;
            if (t.k == NUMBER) {
                ok = float_val(raw(t), is32, v);
            } else if (t.k == STRING) {
                ok = true;
                if (t.str == "NaN") v = NAN;
                else if (t.str == "Infinity") v = INFINITY;
                else if (t.str == "-Infinity") v = -INFINITY;
                else ok = float_val(t.str, is32, v);
            }
            if (!ok) break;
            if (is32) add ? r->AddFloat(m, fd, (float)v) : r->SetFloat(m, fd, (float)v);
            else add ? r->AddDouble(m, fd, v) : r->SetDouble(m, fd, v);
            break;
        }
        case gp::FieldDescriptor::CPPTYPE_ENUM: {
            int64_t v = 0;
            uint64_t u;
            if (t.k == STRING) {
                const gp::EnumValueDescriptor *ev = fd->enum_type()->FindValueByName(t.str);
                if ((ok = ev != nullptr)) v = ev->number();
            } else if (t.k == NUMBER) {
                ok = int_val(raw(t), gp::FieldDescriptor::CPPTYPE_INT32, v, u);
            } else if (t.k == NUL) {
                ok = fd->enum_type()->full_name() == "google.protobuf.NullValue";
            }
            if (ok) add ? r->AddEnumValue(m, fd, (int)v) : r->SetEnumValue(m, fd, (int)v);
            break;
        }
        default: {   // integers
            int64_t iv = 0;
            uint64_t uv = 0;
            if (t.k == NUMBER) ok = int_val(raw(t), fd->cpp_type(), iv, uv);
            else if (t.k == STRING) ok = int_val(t.str, fd->cpp_type(), iv, uv);
            if (!ok) break;
            switch (fd->cpp_type()) {
            case gp::FieldDescriptor::CPPTYPE_INT32:
                add ? r->AddInt32(m, fd, (int32_t)iv) : r->SetInt32(m, fd, (int32_t)iv);
                break;
            case gp::FieldDescriptor::CPPTYPE_INT64: add ? r->AddInt64(m, fd, iv) : r->SetInt64(m, fd, iv); break;
            case gp::FieldDescriptor::CPPTYPE_UINT32:
                add ? r->AddUInt32(m, fd, (uint32_t)uv) : r->SetUInt32(m, fd, (uint32_t)uv);
                break;
            default: add ? r->AddUInt64(m, fd, uv) : r->SetUInt64(m, fd, uv);
            }
        }
        }
        if (ok) return true;
        if (t.k == OBJ_OPEN || t.k == ARR_OPEN) t.len = 1;
        return fail(t.pos,
                    std::string("invalid value for ") + fd->type_name() + " field " + fd->json_name() + ": " + raw(t));
    }
};

// ---- wire -> JSON ------------------------------------------------------

class Printer {
  public:
    Printer(pb_pool *p, std::string &o) : p_(p), o_(o) {}

    // type_url: an Any's, whose "@type" comes first in the object.
    bool message(const gp::Message &m, const std::string *type_url = nullptr) {
        // an Any's message is parsed anew (with a limit of its own): count here too
        struct Nest {
            int &d;
            explicit Nest(int &depth) : d(depth) { d++; }
            ~Nest() { d--; }
        } nest(depth_);
        if (depth_ > kMaxNesting) {
            err = "proto: exceeded max recursion depth";
            return false;
        }
        const gp::Descriptor *d = m.GetDescriptor();
        if (!type_url && d->full_name() == "google.protobuf.Any" && any(m)) return true;
        if (wkt_special(d)) return wkt(m);
        const gp::Reflection *r = m.GetReflection();
        o_ += '{';
        bool first = true;
        if (type_url) {
            key("@type");
            str(*type_url);
            first = false;
        }
        for (int i = 0; i < d->field_count(); i++) {
            const gp::FieldDescriptor *f = d->field(i);
            bool has = f->is_repeated() || r->HasField(m, f);
            if (!has && f->containing_oneof()) continue;   // an unset oneof member (or proto3 optional)
            if (!first) o_ += ',';
            first = false;
            key(f->json_name());
            if (f->is_map()) {
                if (!map(m, f)) return false;
            } else if (f->is_repeated()) {
                o_ += '[';
                int n = r->FieldSize(m, f);
                for (int j = 0; j < n; j++) {
                    if (j) o_ += ',';
                    if (!repeated_value(m, f, j)) return false;
                }
                o_ += ']';
            } else if (!has && (f->cpp_type() == gp::FieldDescriptor::CPPTYPE_MESSAGE || f->has_presence())) {
                o_ += "null";   // EmitUnpopulated: a field with presence, unset
            } else if (!value(m, f)) {
                return false;
            }
        }
        o_ += '}';
        return true;
    }
    std::string err;

  private:
    pb_pool *p_;
    std::string &o_;
    int depth_ = 0;

    // An Any whose type the pool knows, as k6's convert.go does it: the
    // embedded message's own fields (EmitUnpopulated too) after "@type", or
    // {"@type": ..., "value": ...} for a well-known type. false (nothing
    // written) leaves it to libprotobuf's printer.
    bool any(const gp::Message &m) {
        const gp::Descriptor *d = m.GetDescriptor();
        const gp::FieldDescriptor *tf = d->FindFieldByNumber(1), *vf = d->FindFieldByNumber(2);
        if (!tf || !vf) return false;
        const gp::Reflection *r = m.GetReflection();
        std::string url = r->GetString(m, tf);
        if (url.empty()) return false;
        size_t slash = url.rfind('/');
        const gp::Descriptor *ed =
            p_->pool.FindMessageTypeByName(slash == std::string::npos ? url : url.substr(slash + 1));
        const gp::Message *proto = ed ? p_->factory.GetPrototype(ed) : nullptr;
        if (!proto) return false;
        std::unique_ptr<gp::Message> e(proto->New());
        if (!e->ParseFromString(r->GetString(m, vf))) return false;
        size_t mark = o_.size();
        bool ok;
        if (wkt_special(ed) || ed->full_name() == "google.protobuf.Empty") {
            o_ += "{\"@type\":";
            str(url);
            o_ += ",\"value\":";
            ok = message(*e);
            o_ += '}';
        } else {
            ok = message(*e, &url);
        }
        if (!ok && depth_ <= kMaxNesting) {   // (too deep is an error, not a fallback)
            o_.resize(mark);
            err.clear();
        }
        return ok;
    }
    bool wkt(const gp::Message &m) {
        std::string bin, json;
        if (!m.SerializeToString(&bin)) {
            err = "proto: cannot marshal " + m.GetDescriptor()->full_name();
            return false;
        }
        gp::util::JsonPrintOptions po;
        po.always_print_primitive_fields = true;
        gp::util::Status st = gp::util::BinaryToJsonString(
            p_->resolver.get(), std::string(kTypeUrlPrefix) + "/" + m.GetDescriptor()->full_name(), bin, &json, po);
        if (!st.ok()) {
            err = "proto: " + std::string(st.message());
            return false;
        }
        o_ += json;
        return true;
    }
    void str(const std::string &s) {
        // printable ASCII without '"', '\\', '<', '>', '&' as it is; else c6's
        // JSON string writer in Go's escaping (JSON_ESC_GO)
        bool plain = true;
        for (unsigned char c : s)
            if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                plain = false;
                break;
            }
        if (plain) {
            o_ += '"';
            o_ += s;
            o_ += '"';
            return;
        }
        buf b = {nullptr, 0, 0};
        if (json_string(&b, s.data(), s.size(), JSON_ESC_GO)) {
            buf_free(&b);
            throw std::bad_alloc();
        }
        o_.append(b.p, b.len);
        buf_free(&b);
    }
    void key(const std::string &k) {
        str(k);
        o_ += ':';
    }
    void dbl(double v, bool is32) {
        if (std::isnan(v)) {
            o_ += "\"NaN\"";
            return;
        }
        if (std::isinf(v)) {
            o_ += v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
            return;
        }
        char tmp[40];
        // the shortest text that reads back as the same value (Go's
        // FormatFloat(v, 'f' or 'e', -1, 32 or 64))
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(tmp, sizeof tmp, "%.*g", prec, v);
            if (is32 ? strtof(tmp, nullptr) == (float)v : strtod(tmp, nullptr) == v) break;
        }
        o_ += tmp;
    }
    void enumval(const gp::EnumDescriptor *ed, int n) {
        if (ed->full_name() == "google.protobuf.NullValue") {
            o_ += "null";
            return;
        }
        const gp::EnumValueDescriptor *ev = ed->FindValueByNumber(n);
        if (ev) str(ev->name());
        else o_ += std::to_string(n);
    }
    void bytes(const std::string &s) {
        std::string b64(b64_encoded_len(s.size(), B64_STD) + 1, '\0');
        size_t n = b64_encode((const uint8_t *)s.data(), s.size(), B64_STD, &b64[0]);
        o_ += '"';
        o_.append(b64.data(), n);
        o_ += '"';
    }
    bool value(const gp::Message &m, const gp::FieldDescriptor *f) {
        const gp::Reflection *r = m.GetReflection();
        switch (f->cpp_type()) {
        case gp::FieldDescriptor::CPPTYPE_INT32: o_ += std::to_string(r->GetInt32(m, f)); break;
        case gp::FieldDescriptor::CPPTYPE_UINT32: o_ += std::to_string(r->GetUInt32(m, f)); break;
        case gp::FieldDescriptor::CPPTYPE_INT64: o_ += '"' + std::to_string(r->GetInt64(m, f)) + '"'; break;
        case gp::FieldDescriptor::CPPTYPE_UINT64: o_ += '"' + std::to_string(r->GetUInt64(m, f)) + '"'; break;
        case gp::FieldDescriptor::CPPTYPE_DOUBLE: dbl(r->GetDouble(m, f), false); break;
        case gp::FieldDescriptor::CPPTYPE_FLOAT: dbl(r->GetFloat(m, f), true); break;
        case gp::FieldDescriptor::CPPTYPE_BOOL: o_ += r->GetBool(m, f) ? "true" : "false"; break;
        case gp::FieldDescriptor::CPPTYPE_ENUM: enumval(f->enum_type(), r->GetEnumValue(m, f)); break;
        case gp::FieldDescriptor::CPPTYPE_STRING: {
            std::string tmp;
            const std::string &s = r->GetStringReference(m, f, &tmp);
            if (f->type() == gp::FieldDescriptor::TYPE_BYTES) bytes(s);
            else str(s);
            break;
        }
        case gp::FieldDescriptor::CPPTYPE_MESSAGE: return message(r->GetMessage(m, f));
        }
        return true;
    }
    bool repeated_value(const gp::Message &m, const gp::FieldDescriptor *f, int j) {
        const gp::Reflection *r = m.GetReflection();
        switch (f->cpp_type()) {
        case gp::FieldDescriptor::CPPTYPE_INT32: o_ += std::to_string(r->GetRepeatedInt32(m, f, j)); break;
        case gp::FieldDescriptor::CPPTYPE_UINT32: o_ += std::to_string(r->GetRepeatedUInt32(m, f, j)); break;
        case gp::FieldDescriptor::CPPTYPE_INT64: o_ += '"' + std::to_string(r->GetRepeatedInt64(m, f, j)) + '"'; break;
        case gp::FieldDescriptor::CPPTYPE_UINT64:
            o_ += '"' + std::to_string(r->GetRepeatedUInt64(m, f, j)) + '"';
            break;
        case gp::FieldDescriptor::CPPTYPE_DOUBLE: dbl(r->GetRepeatedDouble(m, f, j), false); break;
        case gp::FieldDescriptor::CPPTYPE_FLOAT: dbl(r->GetRepeatedFloat(m, f, j), true); break;
        case gp::FieldDescriptor::CPPTYPE_BOOL: o_ += r->GetRepeatedBool(m, f, j) ? "true" : "false"; break;
        case gp::FieldDescriptor::CPPTYPE_ENUM: enumval(f->enum_type(), r->GetRepeatedEnumValue(m, f, j)); break;
        case gp::FieldDescriptor::CPPTYPE_STRING: {
            std::string tmp;
            const std::string &s = r->GetRepeatedStringReference(m, f, j, &tmp);
            if (f->type() == gp::FieldDescriptor::TYPE_BYTES) bytes(s);
            else str(s);
            break;
        }
        case gp::FieldDescriptor::CPPTYPE_MESSAGE: return message(r->GetRepeatedMessage(m, f, j));
        }
        return true;
    }
    // Map entries by key (Go's order is a map's, unordered: any order will do;
    // sorted keeps the output stable).
    bool map(const gp::Message &m, const gp::FieldDescriptor *f) {
        const gp::Reflection *r = m.GetReflection();
        const gp::FieldDescriptor *kf = f->message_type()->map_key();
        const gp::FieldDescriptor *vf = f->message_type()->map_value();
        int n = r->FieldSize(m, f);
        std::map<std::string, const gp::Message *> entries;   // a repeated key: the last wins
        for (int j = 0; j < n; j++) {
            const gp::Message &e = r->GetRepeatedMessage(m, f, j);
            const gp::Reflection *er = e.GetReflection();
            std::string k;
            switch (kf->cpp_type()) {
            case gp::FieldDescriptor::CPPTYPE_INT32: k = std::to_string(er->GetInt32(e, kf)); break;
            case gp::FieldDescriptor::CPPTYPE_UINT32: k = std::to_string(er->GetUInt32(e, kf)); break;
            case gp::FieldDescriptor::CPPTYPE_INT64: k = std::to_string(er->GetInt64(e, kf)); break;
            case gp::FieldDescriptor::CPPTYPE_UINT64: k = std::to_string(er->GetUInt64(e, kf)); break;
            case gp::FieldDescriptor::CPPTYPE_BOOL: k = er->GetBool(e, kf) ? "true" : "false"; break;
            default: k = er->GetString(e, kf);
            }
            entries[k] = &e;
        }
        o_ += '{';
        bool first = true;
        for (auto &kv : entries) {
            if (!first) o_ += ',';
            first = false;
            key(kv.first);
            if (!value(*kv.second, vf)) return false;
        }
        o_ += '}';
        return true;
    }
};

// A message of t's type to fill, kept between calls (allocation per call is
// most of the cost of a small message).
gp::Message *scratch(pb_msgtype *t, std::unique_ptr<gp::Message> &slot) {
    if (!slot) {
        const gp::Message *proto = t->pool->factory.GetPrototype(t->d);
        if (!proto) return nullptr;
        slot.reset(proto->New());
    }
    return slot.get();
}

// Emptied after use; dropped after a large one, so that no large message's
// memory stays between calls.
void release(std::unique_ptr<gp::Message> &slot, size_t n) {
    if (n > 65536) slot.reset();
    else if (slot) slot->Clear();
}

void silence_logs() {
    static std::once_flag once;
    std::call_once(once, [] { gp::SetLogHandler(nullptr); });
}

int fail_oom(char *err, size_t errlen) {
    set_err(err, errlen, "out of memory");
    return -1;
}

}   // namespace

extern "C" {

pb_pool *pb_pool_new(void) {
    try {
        silence_logs();
        std::unique_ptr<pb_pool> p(new pb_pool);
        p->resolver.reset(new CachingResolver(gp::util::NewTypeResolverForDescriptorPool(kTypeUrlPrefix, &p->pool)));
        return p.release();
    } catch (...) { return nullptr; }
}

void pb_pool_free(pb_pool *p) {
    try {
        // messages before the factory that made them and the pool that describes them
        if (p) p->types.clear();
        delete p;
    } catch (...) {}
}

int pb_load_protos_in(pb_pool *p, const char *base_dir, const char *const *import_paths, size_t npaths,
                      const char *const *files, size_t nfiles, char *err, size_t errlen) {
    return pb_load_protos_via(p, base_dir, import_paths, npaths, files, nfiles, nullptr, nullptr, err, errlen);
}

int pb_load_protos_via(pb_pool *p, const char *base_dir, const char *const *import_paths, size_t npaths,
                       const char *const *files, size_t nfiles, pb_read_fn rd, void *ud, char *err, size_t errlen) {
    try {
        std::vector<std::string> paths;
        for (size_t i = 0; i < npaths; i++) {
            std::string s = import_paths[i];
            if (s.rfind("file://", 0) == 0) s.erase(0, 7);
            paths.push_back(s);
        }
        std::string base = base_dir ? base_dir : "";
        if (paths.empty()) paths.push_back(base.empty() ? "." : base);
        Loader loader(p, base, paths, rd, ud);
        std::string e;
        for (size_t i = 0; i < nfiles; i++) {
            if (!loader.parse(files[i], e)) {
                set_err(err, errlen, e);
                return -1;
            }
        }
        p->last.clear();
        p->last_from_add = false;
        std::set<std::string> seen;
        for (size_t i = 0; i < nfiles; i++) {
            const gp::FileDescriptor *fd = build(p, files[i], e);
            if (!fd) {
                set_err(err, errlen, e);
                return -1;
            }
            register_tree(p, fd, seen);
        }
        return 0;
    } catch (...) { return fail_oom(err, errlen); }
}

int pb_load_protos(pb_pool *p, const char *const *import_paths, size_t npaths, const char *const *files, size_t nfiles,
                   char *err, size_t errlen) {
    return pb_load_protos_in(p, nullptr, import_paths, npaths, files, nfiles, err, errlen);
}

static int load_set(pb_pool *p, const char *name, const void *data, size_t n, char *err, size_t errlen) {
    try {
        gp::FileDescriptorSet set;
        if (n > INT32_MAX || !set.ParseFromArray(data, (int)n)) {
            // Go's proto.Unmarshal on bytes that are no FileDescriptorSet
            std::string m = "proto: cannot parse invalid wire-format data";
            set_err(err, errlen, name ? "couldn't unmarshal protoset file " + std::string(name) + ": " + m : m);
            return -1;
        }
        std::string e;
        if (!set_complete(set, e)) {
            set_err(err, errlen, e);
            return -1;
        }
        for (const auto &f : set.file())
            if (!p->db.files.count(f.name())) p->db.files.emplace(f.name(), f);
        p->last.clear();
        p->last_from_add = false;
        std::set<std::string> seen;
        for (const auto &f : set.file()) {
            const gp::FileDescriptor *fd = build(p, f.name(), e);
            if (!fd) {
                set_err(err, errlen, e);
                return -1;
            }
            if (seen.insert(fd->name()).second) register_file(p, fd);
        }
        return 0;
    } catch (...) { return fail_oom(err, errlen); }
}

int pb_load_protoset(pb_pool *p, const void *data, size_t n, char *err, size_t errlen) {
    return load_set(p, nullptr, data, n, err, errlen);
}

int pb_load_protoset_named(pb_pool *p, const char *name, const void *data, size_t n, char *err, size_t errlen) {
    return load_set(p, name ? name : "", data, n, err, errlen);
}

int pb_add_file(pb_pool *p, const void *fdproto, size_t n, char *err, size_t errlen) {
    try {
        gp::FileDescriptorProto fdp;
        if (n > INT32_MAX || !fdp.ParseFromArray(fdproto, (int)n)) {
            set_err(err, errlen, "proto: cannot parse invalid wire-format data");
            return -1;
        }
        if (!p->last_from_add) {
            p->last.clear();
            p->last_from_add = true;
        }
        std::string name = fdp.name();
        if (!p->db.files.count(name) && !p->file_methods.count(name)) {
            p->db.files.emplace(name, std::move(fdp));
            p->pending.push_back(name);
        }
        std::string e;
        if (!build_pending(p, e)) {
            set_err(err, errlen, e);
            return -1;
        }
        return 0;
    } catch (...) { return fail_oom(err, errlen); }
}

int pb_resolve(pb_pool *p, char *err, size_t errlen) {
    try {
        p->last_from_add = false;
        if (p->pending.empty()) return 0;
        std::set<std::string> seen;
        std::string missing;
        closure_ready(p, p->pending[0], seen, &missing);
        set_err(err, errlen, "proto: could not resolve import \"" + missing + "\": not found");
        return -1;
    } catch (...) { return fail_oom(err, errlen); }
}

size_t pb_methods(pb_pool *p, const pb_method *const **out) {
    *out = p->all.data();
    return p->all.size();
}

size_t pb_last_methods(pb_pool *p, const pb_method *const **out) {
    *out = p->last.data();
    return p->last.size();
}

const pb_method *pb_find_method(pb_pool *p, const char *name) {
    try {
        if (!name || !*name) return nullptr;
        // the method found last, compared first: a script calls the same one
        // again and again, and this path is per request
        const pb_method *last = p->last_found;
        if (last && !strcmp(name, last->full_name + (name[0] == '/' ? 0 : 1))) return last;
        std::string key = name[0] == '/' ? std::string(name) : "/" + std::string(name);
        auto it = p->by_name.find(key);
        if (it == p->by_name.end()) return nullptr;
        p->last_found = it->second;
        return it->second;
    } catch (...) { return nullptr; }
}

const void *pb_message_type(pb_pool *p, const char *full_name) {
    try {
        const gp::Descriptor *d = p->pool.FindMessageTypeByName(full_name);
        return d ? msgtype(p, d) : nullptr;
    } catch (...) { return nullptr; }
}

int pb_json_to_wire(const void *msgdesc, const char *json, size_t n, buf *out, char *err, size_t errlen) {
    try {
        pb_msgtype *t = (pb_msgtype *)msgdesc;
        gp::Message *m = scratch(t, t->in_scratch);
        if (!m) return fail_oom(err, errlen);
        Decoder dec(t->pool, json, n);
        bool ok = dec.decode(m);
        int rc = 0;
        if (!ok) {
            set_err(err, errlen, dec.err());
            rc = -1;
        } else {
            size_t size = m->ByteSizeLong();
            if (size > INT32_MAX || buf_reserve(out, size)) {
                rc = fail_oom(err, errlen);
            } else {
                m->SerializeWithCachedSizesToArray((uint8_t *)out->p + out->len);
                out->len += size;
                out->p[out->len] = 0;
            }
        }
        release(t->in_scratch, n);
        return rc;
    } catch (...) { return fail_oom(err, errlen); }
}

int pb_wire_to_json(const void *msgdesc, const void *wire, size_t n, buf *out, char *err, size_t errlen) {
    try {
        pb_msgtype *t = (pb_msgtype *)msgdesc;
        gp::Message *m = scratch(t, t->out_scratch);
        if (!m) return fail_oom(err, errlen);
        bool parsed = false;
        if (n <= INT32_MAX) {
            // nesting as deep as the JSON side takes
            gp::io::CodedInputStream cis((const uint8_t *)wire, (int)n);
            cis.SetRecursionLimit(kMaxNesting);
            parsed = m->ParseFromCodedStream(&cis) && cis.ConsumedEntireMessage();
        }
        if (!parsed) {
            release(t->out_scratch, n);
            set_err(err, errlen, "proto: cannot parse invalid wire-format data");
            return -1;
        }
        std::string json;
        Printer pr(t->pool, json);
        bool ok = pr.message(*m);
        release(t->out_scratch, n);
        if (!ok) {
            set_err(err, errlen, pr.err);
            return -1;
        }
        if (buf_append(out, json.data(), json.size())) return fail_oom(err, errlen);
        return 0;
    } catch (...) { return fail_oom(err, errlen); }
}

int pb_wire_to_text(const void *msgdesc, const void *wire, size_t n, buf *out) {
    try {
        pb_msgtype *t = (pb_msgtype *)msgdesc;
        gp::Message *m = scratch(t, t->out_scratch);
        if (!m) return -1;
        bool parsed = false;
        if (n <= INT32_MAX) {
            gp::io::CodedInputStream cis((const uint8_t *)wire, (int)n);
            cis.SetRecursionLimit(kMaxNesting);
            parsed = m->ParseFromCodedStream(&cis) && cis.ConsumedEntireMessage();
        }
        std::string text;
        if (parsed) {
            gp::TextFormat::Printer pr; // multi-line, two spaces a level (prototext's Indent "  ")
            parsed = pr.PrintToString(*m, &text);
        }
        release(t->out_scratch, n);
        if (!parsed) return -1;
        return buf_append(out, text.data(), text.size()) ? -1 : 0;
    } catch (...) { return -1; }
}

}   // extern "C"
