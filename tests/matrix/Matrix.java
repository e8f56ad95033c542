// Matrix.java - the Java 17 (JSSE) client and server of tests/matrix_test.py,
// compiled with javac at test time.  One JVM runs every Java connection of a
// run, so the JVM start is paid once:
//
//   java Matrix server SPECS   one SSLServerSocket per line of SPECS
//   java Matrix client JOBS    one handshake per line of JOBS, a few at once
//
// A line is tab-separated key=value pairs (see the keys read below).  The
// server prints "LISTENING" when every socket is bound; the client prints
// "JOB id ok|error: message" per job and exits when all are done.
import java.io.*;
import java.net.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.*;
import java.security.cert.*;
import java.util.*;
import java.util.concurrent.*;
import javax.net.ssl.*;

public class Matrix {
    static Map<String, String> parse(String line) {
        Map<String, String> m = new HashMap<>();
        for (String kv : line.split("\t")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return m;
    }

    static String[] list(Map<String, String> m, String key) {
        String v = m.getOrDefault(key, "");
        return v.isEmpty() ? null : v.split(",");
    }

    // ------------------------------------------------------------- server

    static SSLServerSocket serverSocket(Map<String, String> s) throws Exception {
        char[] pass = s.getOrDefault("storepass", "changeit").toCharArray();
        KeyStore ks = KeyStore.getInstance(s.getOrDefault("storetype", "PKCS12"));
        try (InputStream in = new FileInputStream(s.get("keystore"))) {
            ks.load(in, pass);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
        kmf.init(ks, pass);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(InetAddress.getByName(s.get("host")),
                                      Integer.parseInt(s.get("port"))), 8);
        SSLParameters p = ss.getSSLParameters();
        if (list(s, "protocols") != null) {
            p.setProtocols(list(s, "protocols"));
        }
        if (list(s, "suites") != null) {
            p.setCipherSuites(list(s, "suites"));
        }
        p.setNeedClientAuth("need".equals(s.get("clientauth")));
        if (list(s, "alpn") != null) {
            p.setApplicationProtocols(list(s, "alpn"));
        }
        // Only this name is known: JSSE answers others with unrecognized_name.
        if (!s.getOrDefault("sniname", "").isEmpty()) {
            p.setSNIMatchers(List.of(SNIHostName.createSNIMatcher(
                java.util.regex.Pattern.quote(s.get("sniname")))));
        }
        ss.setSSLParameters(p);
        return ss;
    }

    // Answers every connection with a small HTTP response; a failed
    // handshake just closes the socket (JSSE has sent its alert by then).
    static void serve(SSLServerSocket ss) {
        while (true) {
            try (SSLSocket s = (SSLSocket) ss.accept()) {
                s.setSoTimeout(5000);
                try {
                    s.startHandshake();
                    readRequest(s.getInputStream());
                    OutputStream out = s.getOutputStream();
                    out.write("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n"
                              .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    System.out.println("server " + ss.getLocalPort() + ": " + e);
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    static void readRequest(InputStream in) throws IOException {
        int last = 0;
        int c;
        // Until the blank line that ends the request head.
        while ((c = in.read()) >= 0) {
            last = (last << 8) | c;
            if (last == 0x0d0a0d0a) {
                return;
            }
        }
    }

    static void server(String specs) throws Exception {
        List<SSLServerSocket> all = new ArrayList<>();
        for (String line : Files.readAllLines(Paths.get(specs))) {
            if (!line.isBlank()) {
                all.add(serverSocket(parse(line)));
            }
        }
        for (SSLServerSocket ss : all) {
            Thread t = new Thread(() -> serve(ss));
            t.setDaemon(true);
            t.start();
        }
        System.out.println("LISTENING");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);   // killed by the test, by PID
    }

    // ------------------------------------------------------------- client

    static SSLContext clientContext(Map<String, String> j) throws Exception {
        KeyStore ts = KeyStore.getInstance(KeyStore.getDefaultType());
        ts.load(null, null);
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        int n = 0;
        try (InputStream in = new FileInputStream(j.get("ca"))) {
            for (java.security.cert.Certificate c : cf.generateCertificates(in)) {
                ts.setCertificateEntry("ca" + n++, c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    // The socket is connected to the address, then layered with the name the
    // client wants (SNI and hostname check), as HTTPS clients do; an empty
    // name means "connect by IP address", which sends no SNI.
    static String handshake(Map<String, String> j) throws Exception {
        SSLContext ctx = clientContext(j);
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress(j.get("host"), Integer.parseInt(j.get("port"))),
                      5000);
        plain.setSoTimeout(Integer.parseInt(j.getOrDefault("timeout", "4000")));
        String name = j.getOrDefault("sni", "");
        String peer = name.isEmpty() ? j.get("host") : name;
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory()
                .createSocket(plain, peer, plain.getPort(), true)) {
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm(name.isEmpty() ? null : "HTTPS");
            if (list(j, "protocols") != null) {
                p.setProtocols(list(j, "protocols"));
            }
            if (list(j, "suites") != null) {
                p.setCipherSuites(list(j, "suites"));
            }
            if (list(j, "alpn") != null) {
                p.setApplicationProtocols(list(j, "alpn"));
            }
            s.setSSLParameters(p);
            s.startHandshake();
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.0\r\nHost: " + peer + "\r\n\r\n")
                      .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            while (in.read(buf) >= 0) {
                // read the answer until the server closes
            }
            return "ok " + s.getSession().getProtocol();
        }
    }

    static void client(String jobs) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<String>> results = new ArrayList<>();
        for (String line : Files.readAllLines(Paths.get(jobs))) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, String> j = parse(line);
            results.add(pool.submit(() -> {
                String r;
                try {
                    r = handshake(j);
                } catch (Exception e) {
                    r = "error: " + e;
                }
                return "JOB " + j.get("id") + " " + r.replace('\n', ' ');
            }));
        }
        for (Future<String> f : results) {
            System.out.println(f.get());
        }
        pool.shutdown();
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("server")) {
            server(args[1]);
        } else if (args.length == 2 && args[0].equals("client")) {
            client(args[1]);
        } else {
            System.err.println("usage: java Matrix server|client FILE");
            System.exit(2);
        }
    }
}
