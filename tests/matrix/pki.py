"""pki.py - the matrix's certificates, made the ways operators make them.

* a private CA with openssl: a root (`req -x509`), an issuing CA and server
  leaves (`x509 -req` with an extension section), and an expired leaf
  back-dated with `openssl ca -startdate/-enddate` (faketime is not there);
* another private CA that no client trusts;
* self-signed server certificates: with a server profile (CA:FALSE,
  keyUsage, serverAuth, SAN) and the plain `req -x509 -subj /CN=host` kind;
* keytool: `-genkeypair` into a JKS keystore, the certificate exported with
  `-exportcert`, the key moved to PKCS12 with `-importkeystore` and to PEM
  with `openssl pkcs12` for the servers that are not Java;
* PKCS12 keystores of the CA-issued leaves for the Java server
  (`openssl pkcs12 -export`).

Every file goes into one work folder; make() returns the names the
matrix uses (see CERTS below)."""
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
CNF = os.path.join(HERE, "operator.cnf")
PASS = "changeit"                 # keystore password, as operators leave it
NAME = "api.matrix.test"          # the name most servers are for
SAN = "DNS:api.matrix.test, DNS:localhost, IP:127.0.0.1, IP:::1"


class Pki:
    def __init__(self, work):
        self.work = work

    def path(self, name):
        return os.path.join(self.work, name)

    def sh(self, *cmd, san=None, cadir=None):
        env = dict(os.environ, MATRIX_SAN=san or "DNS:unused.matrix.test",
                   MATRIX_CADIR=self.path(cadir or "."))
        p = subprocess.run(cmd, cwd=self.work, env=env, capture_output=True, text=True,
                           timeout=120)
        if p.returncode != 0:
            raise RuntimeError("%s: %s%s" % (" ".join(cmd), p.stdout, p.stderr))
        return p.stdout

    # -------------------------------------------------------- private CA

    def root(self, name, subj):
        self.sh("openssl", "req", "-x509", "-config", CNF, "-extensions", "root_ca",
                "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out",
                name + ".pem", "-days", "3650", "-subj", subj)

    def csr(self, name, subj, key="rsa:2048"):
        self.sh("openssl", "req", "-new", "-config", CNF, "-newkey", key, "-nodes",
                "-keyout", name + ".key", "-out", name + ".csr", "-subj", subj)

    def sign(self, name, ca, ext, san=None, days="825", md="-sha256"):
        """`openssl x509 -req` with an extension section, as most how-tos do."""
        self.sh("openssl", "x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem",
                "-CAkey", ca + ".key", "-CAcreateserial", "-days", days, md,
                "-extfile", CNF, "-extensions", ext, "-out", name + ".pem", san=san)

    def ca_folder(self, ca):
        """An `openssl ca` database for the issuing CA (for chosen dates)."""
        d = self.path(ca + ".db")
        os.makedirs(os.path.join(d, "newcerts"), exist_ok=True)
        open(os.path.join(d, "index.txt"), "w").close()
        with open(os.path.join(d, "serial"), "w") as f:
            f.write(os.urandom(8).hex() + "\n")
        for ext in ("pem", "key"):
            with open(self.path(ca + "." + ext)) as src, \
                    open(os.path.join(d, "ca." + ext), "w") as dst:
                dst.write(src.read())

    def backdated(self, name, ca, subj, start, end, san):
        self.csr(name, subj)
        self.ca_folder(ca)
        self.sh("openssl", "ca", "-batch", "-notext", "-config", CNF, "-extensions",
                "server_leaf", "-startdate", start, "-enddate", end, "-in", name + ".csr",
                "-out", name + ".pem", san=san, cadir=ca + ".db")

    # -------------------------------------------------------- self-signed

    def self_plain(self, name, cn):
        """What most people type: no profile, no SAN (OpenSSL's default
        configuration makes it CA:TRUE)."""
        self.sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                name + ".key", "-out", name + ".pem", "-days", "365", "-subj", "/CN=" + cn)

    def self_profile(self, name, cn, san):
        self.sh("openssl", "req", "-x509", "-config", CNF, "-extensions", "server_self",
                "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out",
                name + ".pem", "-days", "365", "-subj", "/CN=" + cn, san=san)

    # -------------------------------------------------------- keytool

    def keytool(self, name, cn):
        """A JKS keystore made by keytool -genkeypair, its certificate
        exported (name.pem), and its key in PEM (name.key) by the way
        operators move a Java key to other servers."""
        jks, p12 = name + ".jks", name + ".p12"
        self.sh("keytool", "-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize",
                "2048", "-validity", "365", "-dname", "CN=" + cn, "-ext", "SAN=dns:" + cn,
                "-keystore", jks, "-storetype", "JKS", "-storepass", PASS, "-keypass", PASS)
        self.sh("keytool", "-exportcert", "-rfc", "-alias", "server", "-keystore", jks,
                "-storepass", PASS, "-file", name + ".pem")
        self.sh("keytool", "-importkeystore", "-srckeystore", jks, "-srcstoretype", "JKS",
                "-srcstorepass", PASS, "-destkeystore", p12, "-deststoretype", "PKCS12",
                "-deststorepass", PASS, "-noprompt")
        self.sh("openssl", "pkcs12", "-in", p12, "-passin", "pass:" + PASS, "-nodes",
                "-nocerts", "-out", name + ".key")

    def p12(self, name, leaf, chain=()):
        """A PKCS12 keystore for the Java server: leaf key and certificate,
        plus the chain certificates it should send."""
        extra = []
        if chain:
            self.cat(name + ".chain.pem", *chain)
            extra = ["-certfile", name + ".chain.pem"]
        self.sh("openssl", "pkcs12", "-export", "-in", leaf + ".pem", "-inkey", leaf + ".key",
                *extra, "-name", "server", "-out", name + ".p12", "-passout", "pass:" + PASS)

    def cat(self, out, *names):
        with open(self.path(out), "w") as f:
            for n in names:
                with open(self.path(n)) as g:
                    f.write(g.read())


def make(work):
    """Builds every certificate; returns the Pki.  Files (in work):
    root/issuing        the private CA the clients trust
    leaf                server profile, SAN api.matrix.test, localhost, IPs
    fullchain.pem       leaf + issuing;  withroot.pem: leaf + issuing + root
    wild                *.matrix.test
    expired             2020-01-01 .. 2021-01-01, issued by issuing
    otherroot/otherleaf a CA no client trusts (otherchain.pem: leaf + root)
    selfprof            self-signed, server profile, api.matrix.test (trusted)
    selfprofnobody      the same for selfp.matrix.test (trusted by no one)
    selfplain           `req -x509 -subj /CN=plain.matrix.test` (trusted)
    selfnobody          `req -x509 -subj /CN=self.matrix.test` (trusted by no one)
    javaks              keytool, CN java.matrix.test (exported cert trusted)
    javanobody          keytool, CN jself.matrix.test (trusted by no one)
    *.p12               PKCS12 for the Java server
    weak1024            RSA 1024-bit leaf from the trusted issuing CA (old backend)
    sha1                leaf signed with SHA-1 by the trusted issuing CA
    zscaler/intercepted a TLS-inspection CA named like Zscaler's (trusted by no
                        client) and api.matrix.test re-signed by it
    forti/fortileaf     one named like FortiGate's SSL inspection CA, trusted
                        by every client (a company that deployed its proxy CA)
    dh1024.pem          `openssl dhparam 1024`; dh2048.pem: ffdhe2048
    trust.pem           what every client trusts (also --ca-file)"""
    p = Pki(work)
    p.root("root", "/O=Matrix Ops/CN=Matrix Ops Root CA")
    p.csr("issuing", "/O=Matrix Ops/CN=Matrix Ops Issuing CA")
    p.sign("issuing", "root", "issuing_ca", days="1825")
    p.csr("leaf", "/O=Matrix Ops/CN=" + NAME)
    p.sign("leaf", "issuing", "server_leaf", san=SAN)
    p.csr("wild", "/O=Matrix Ops/CN=*.matrix.test")
    p.sign("wild", "issuing", "server_leaf", san="DNS:*.matrix.test")
    p.backdated("expired", "issuing", "/O=Matrix Ops/CN=" + NAME, "20200101000000Z",
                "20210101000000Z", SAN)
    p.root("otherroot", "/O=Elsewhere/CN=Elsewhere Root CA")
    p.csr("otherleaf", "/O=Elsewhere/CN=" + NAME)
    p.sign("otherleaf", "otherroot", "server_leaf", san=SAN)
    p.csr("weak1024", "/O=Matrix Ops/CN=" + NAME, key="rsa:1024")
    p.sign("weak1024", "issuing", "server_leaf", san=SAN)
    p.csr("sha1", "/O=Matrix Ops/CN=" + NAME)
    p.sign("sha1", "issuing", "server_leaf", san=SAN, md="-sha1")
    # TLS inspection: the proxy makes a leaf for the name the client asked
    # for, signed by its own CA (here straight from the root, as a
    # self-generated inspection CA does).
    p.root("zscaler", "/O=Zscaler Inc./OU=Zscaler Inc./CN=Zscaler Intermediate Root CA")
    p.csr("intercepted", "/CN=" + NAME)
    p.sign("intercepted", "zscaler", "server_leaf", san=SAN)
    p.root("forti", "/C=US/O=Fortinet/OU=Certificate Authority/CN=FortiGate CA")
    p.csr("fortileaf", "/CN=" + NAME)
    p.sign("fortileaf", "forti", "server_leaf", san=SAN)
    # DH parameters: 1024 bits as old how-tos made them, and RFC 7919's
    # ffdhe2048 for the healthy control.
    p.sh("openssl", "dhparam", "-out", "dh1024.pem", "1024")
    p.sh("openssl", "genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "group:ffdhe2048",
         "-out", "dh2048.pem")
    p.self_profile("selfprof", NAME, SAN)
    p.self_profile("selfprofnobody", "selfp.matrix.test", "DNS:selfp.matrix.test")
    p.self_plain("selfplain", "plain.matrix.test")
    p.self_plain("selfnobody", "self.matrix.test")
    p.keytool("javaks", "java.matrix.test")
    p.keytool("javanobody", "jself.matrix.test")
    p.cat("fullchain.pem", "leaf.pem", "issuing.pem")
    p.cat("withroot.pem", "leaf.pem", "issuing.pem", "root.pem")
    p.cat("wildchain.pem", "wild.pem", "issuing.pem")
    p.cat("expiredchain.pem", "expired.pem", "issuing.pem")
    p.cat("otherchain.pem", "otherleaf.pem", "otherroot.pem")
    p.cat("trust.pem", "root.pem", "selfprof.pem", "selfplain.pem", "javaks.pem", "forti.pem")
    p.p12("leaf-chain", "leaf", ["issuing.pem"])
    p.p12("leaf-alone", "leaf")
    p.p12("expired-chain", "expired", ["issuing.pem"])
    p.p12("wild-chain", "wild", ["issuing.pem"])
    p.p12("other-chain", "otherleaf", ["otherroot.pem"])
    p.p12("weak1024-chain", "weak1024", ["issuing.pem"])
    p.p12("sha1-chain", "sha1", ["issuing.pem"])
    p.p12("intercepted-chain", "intercepted", ["zscaler.pem"])
    p.p12("forti-chain", "fortileaf", ["forti.pem"])
    for name in ("selfprof", "selfprofnobody", "selfplain", "selfnobody"):
        p.p12(name, name)
    return p
