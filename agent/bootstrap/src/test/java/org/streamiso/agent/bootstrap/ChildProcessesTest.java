package org.streamiso.agent.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamiso.socks.IsolationString;

/** What {@code exec} makes of a command: the rewritten command line and environment, or the refusal. */
class ChildProcessesTest {
    private static final InetSocketAddress SOCKS = new InetSocketAddress("127.0.0.1", 9159);
    private static final String JAR = "/opt/streamiso/streamiso.jar";

    @TempDir
    Path bin;

    private ChildProcesses children(ChildProcesses.Exec exec, String arguments) {
        return new ChildProcesses(exec, arguments, SOCKS, new Isolation("parent", java.util.Set.of(), null, h -> null),
                bin.toString(), JAR);
    }

    private Path executable(String name) throws IOException {
        Path f = bin.resolve(name);
        Files.writeString(f, "#!/bin/sh\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
        return f;
    }

    @Test
    void givesAChildJavaTheAgentWithTheGivenArgumentsBeforeItsOwnOptions() throws Exception {
        for (String java : List.of("java", "/usr/lib/jvm/x/bin/java", ProcessHandle.current().info().command()
                .orElse("/x/bin/java"))) {
            ChildProcesses.Plan plan = children(ChildProcesses.Exec.INHERIT, "port=9159,isolate=thread")
                    .plan(new String[] {java, "-cp", "app.jar", "Main", "-javaagent:not-an-option"}, Map.of());
            assertEquals(List.of(java, "-javaagent:" + JAR + "=port=9159,isolate=thread", "-cp", "app.jar", "Main",
                    "-javaagent:not-an-option"), List.of(plan.command()));
            assertTrue(plan.set().isEmpty(), "the environment stays as given");
            assertTrue(plan.removed().isEmpty());
        }
        ChildProcesses.Plan noArguments = children(ChildProcesses.Exec.INHERIT, "").plan(new String[] {"java"}, null);
        assertEquals(List.of("java", "-javaagent:" + JAR), List.of(noArguments.command()));
    }

    @Test
    void leavesAChildJavaThatNamesTheAgentItselfAlone() throws Exception {
        ChildProcesses c = children(ChildProcesses.Exec.INHERIT, "");
        assertNull(c.plan(new String[] {"java", "-javaagent:/elsewhere/streamiso.jar=port=9999", "Main"}, Map.of()));
        assertNull(c.plan(new String[] {"java", "-javaagent:" + JAR, "Main"}, Map.of()));
        assertNull(c.plan(new String[] {"java", "Main"},
                Map.of("JAVA_TOOL_OPTIONS", "-Xmx1g \"-javaagent:/a b/streamiso.jar=port=1\"")));
        assertNull(c.plan(new String[] {"java", "Main"}, Map.of("JDK_JAVA_OPTIONS", "-javaagent:" + JAR)));
        assertTrue(c.plan(new String[] {"java", "-javaagent:/x/otel.jar", "Main"},
                Map.of("JAVA_TOOL_OPTIONS", "-javaagent:/x/other.jar")).command()[1].startsWith("-javaagent:" + JAR));
    }

    @Test
    void runsEveryOtherProgramUnderTorsocksWithCredentialsOfItsOwn() throws Exception {
        Path torsocks = executable("torsocks");
        Path curl = executable("curl");
        ChildProcesses c = children(ChildProcesses.Exec.INHERIT, "");
        ChildProcesses.Plan first = c.plan(new String[] {"curl", "-s", "http://x.test/"}, Map.of("PATH", "/nowhere"));
        assertEquals(List.of(torsocks.toString(), curl.toString(), "-s", "http://x.test/"), List.of(first.command()),
                "the program is looked up in this JVM's PATH, as the JDK does, and handed to torsocks by its path");
        Map<String, String> env = first.set();
        assertEquals("127.0.0.1", env.get("TORSOCKS_TOR_ADDRESS"));
        assertEquals("9159", env.get("TORSOCKS_TOR_PORT"));
        assertEquals(IsolationString.USERNAME, env.get("TORSOCKS_USERNAME"));
        IsolationString key = IsolationString.parse(env.get("TORSOCKS_PASSWORD"));
        assertEquals("curl", key.app());
        assertEquals("exec", key.kind());
        String conf = Files.readString(Path.of(env.get("TORSOCKS_CONF_FILE")));
        assertTrue(conf.contains("\nTorAddress 127.0.0.1\nTorPort 9159\nAllowInbound 0\nAllowOutboundLocalhost 0\n"),
                conf);
        assertEquals(List.of("TORSOCKS_ALLOW_INBOUND", "TORSOCKS_ISOLATE_PID"), first.removed());

        ChildProcesses.Plan second = c.plan(new String[] {"/bin/sh", "-c", "true"}, null);
        assertEquals(List.of(torsocks.toString(), "/bin/sh", "-c", "true"), List.of(second.command()));
        assertNotEquals(env.get("TORSOCKS_PASSWORD"), second.set().get("TORSOCKS_PASSWORD"));
        ChildProcesses.Plan third = c.plan(new String[] {curl.toString()}, null);
        assertNotEquals(env.get("TORSOCKS_PASSWORD"), third.set().get("TORSOCKS_PASSWORD"),
                "two starts of one program are two identities");
        ChildProcesses.Plan other = children(ChildProcesses.Exec.INHERIT, "").plan(new String[] {"curl"}, null);
        assertNotEquals(IsolationString.parse(env.get("TORSOCKS_PASSWORD")).digest(),
                IsolationString.parse(other.set().get("TORSOCKS_PASSWORD")).digest());
    }

    @Test
    void underExecTorsocksRunsJavaUnderTorsocksToo() throws Exception {
        Path torsocks = executable("torsocks");
        ChildProcesses.Plan plan = children(ChildProcesses.Exec.TORSOCKS, "")
                .plan(new String[] {"/usr/bin/java", "-version"}, null);
        assertEquals(List.of(torsocks.toString(), "/usr/bin/java", "-version"), List.of(plan.command()));
    }

    @Test
    void refusesAProgramWhenTorsocksIsMissingAndNamesTheArgument() throws Exception {
        executable("curl");
        long before = LeakReport.count(LeakReport.Kind.PROCESS);
        IOException e = assertThrows(IOException.class, () -> children(ChildProcesses.Exec.INHERIT, "")
                .plan(new String[] {"curl", "http://x.test/"}, null));
        assertEquals("streamiso refused to start curl: exec=inherit runs every program but java under torsocks, and "
                + "no torsocks was found on this JVM's PATH; nothing was started. Install torsocks (Debian: apt-get "
                + "install torsocks) on the PATH of this JVM.", e.getMessage());
        assertFalse(e.getMessage().contains("x.test"), "no argument of the program is printed");
        assertEquals(before + 1, LeakReport.count(LeakReport.Kind.PROCESS));
        assertTrue(assertThrows(IOException.class, () -> children(ChildProcesses.Exec.TORSOCKS, "")
                .plan(new String[] {"java"}, null)).getMessage().contains("exec=torsocks runs every program under"));
    }

    @Test
    void refusesAProgramItCannotFindAsTheJdkWould() throws Exception {
        executable("torsocks");
        IOException e = assertThrows(IOException.class, () -> children(ChildProcesses.Exec.INHERIT, "")
                .plan(new String[] {"no-such-program"}, null));
        assertTrue(e.getMessage().startsWith("error=2, No such file or directory"), e.getMessage());
    }

    @Test
    void refusesEveryChildUnderExecRefuse() throws Exception {
        executable("torsocks");
        for (String program : List.of("java", "/bin/true", "curl")) {
            IOException e = assertThrows(IOException.class, () -> children(ChildProcesses.Exec.REFUSE, "")
                    .plan(new String[] {program}, null));
            assertTrue(e.getMessage().contains(": exec=refuse allows no child process; nothing was started."),
                    e.getMessage());
        }
    }

    @Test
    void startsChildrenUnchangedUnderExecAllowAndCountsEach() throws Exception {
        long before = LeakReport.allowedChildren();
        ChildProcesses c = children(ChildProcesses.Exec.ALLOW, "");
        assertNull(c.plan(new String[] {"curl"}, null));
        assertNull(c.plan(new String[] {"java", "Main"}, null));
        assertEquals(before + 2, LeakReport.allowedChildren());
    }

    @Test
    void refusesAChildJavaWhoseArgumentsCannotBePassedOn() {
        IOException e = assertThrows(IOException.class, () -> children(ChildProcesses.Exec.INHERIT, null)
                .plan(new String[] {"java", "Main"}, null));
        assertTrue(e.getMessage().contains("contains a comma"), e.getMessage());
    }

    @Test
    void knowsJavaByItsFileName() {
        assertTrue(ChildProcesses.isJava("java"));
        assertTrue(ChildProcesses.isJava("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"));
        assertFalse(ChildProcesses.isJava("jshell"));
        assertFalse(ChildProcesses.isJava("/usr/bin/javac"));
        assertFalse(ChildProcesses.isJava("javaw"));
        assertFalse(ChildProcesses.isJava("/opt/java/run.sh"));
    }
}
