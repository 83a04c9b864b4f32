package dev.ferry.daemon.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.nbd.access.Grant;
import dev.ferry.nbd.access.NbdPeer;
import dev.ferry.nbd.access.SubjectAltName;
import dev.ferry.nbd.access.UnixCredentials;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parsing rules files (errors name the line) and matching peers and exports against them. */
class AccessRulesTest {

    private static NbdPeer tcp(String address) throws Exception {
        return NbdPeer.tcp(InetAddress.getByName(address));
    }

    private static NbdPeer unix(int uid, int gid) {
        return NbdPeer.unix(new UnixCredentials(1234, uid, gid));
    }

    private static NbdPeer certified(String subject) throws Exception {
        return certified(subject, List.of());
    }

    private static NbdPeer certified(String subject, List<SubjectAltName> names) throws Exception {
        return tcp("127.0.0.1").withCertificate(Optional.of(new X500Principal(subject)), names);
    }

    @Test
    void usersAndGroupsByNameResolveToTheirIdsWhenLoaded() throws Exception {
        AccessRules r = rules("vg0/a rw user root\nvg0/b ro group nogroup\nvg0/c rw user nobody\n");
        assertThat(r.grant(unix(0, 1), "vg0/a")).isEqualTo(Grant.READ_WRITE);
        assertThat(r.grant(unix(1, 1), "vg0/a")).isEqualTo(Grant.DENY);
        assertThat(r.grant(unix(1000, 65534), "vg0/b")).isEqualTo(Grant.READ_ONLY);
        assertThat(r.grant(unix(65534, 1), "vg0/c")).isEqualTo(Grant.READ_WRITE);
        assertThat(r.grant(tcp("127.0.0.1"), "vg0/a")).as("a TCP peer has no user").isEqualTo(Grant.DENY);
        assertThatThrownBy(() -> rules("vg0/a rw any\nvg0/a rw user no-such-user-ferry\n"))
                .isInstanceOf(AccessRulesException.class)
                .hasMessage("rules.conf line 2: no user named 'no-such-user-ferry'");
        assertThatThrownBy(() -> rules("vg0/a rw group no-such-group-ferry\n"))
                .hasMessage("rules.conf line 1: no group named 'no-such-group-ferry'");
    }

    @Test
    void subjectAltNamesMatchByKindWithDnsAndAddressesWithoutCase() throws Exception {
        AccessRules r = rules("""
                vg0/a rw san DNS:Backup.Example
                vg0/b ro san email:ops@example.org
                vg0/c rw san IP:::1
                vg0/d rw san dns:other.example
                """);
        NbdPeer backup = certified("CN=whatever", List.of(SubjectAltName.parse("DNS:backup.example"),
                SubjectAltName.parse("email:OPS@example.org"), SubjectAltName.parse("IP:0:0:0:0:0:0:0:1")));
        assertThat(r.grant(backup, "vg0/a")).isEqualTo(Grant.READ_WRITE);
        assertThat(r.grant(backup, "vg0/b")).isEqualTo(Grant.READ_ONLY);
        assertThat(r.grant(backup, "vg0/c")).as("IPv6 in canonical form").isEqualTo(Grant.READ_WRITE);
        assertThat(r.grant(backup, "vg0/d")).isEqualTo(Grant.DENY);
        assertThat(r.grant(certified("CN=backup.example"), "vg0/a")).as("the subject is no SAN").isEqualTo(Grant.DENY);
        assertThat(r.namesSubjects()).as("SAN rules need verified certificates").isTrue();
        assertThatThrownBy(() -> rules("vg0/a rw san backup.example\n"))
                .hasMessage("rules.conf line 1: 'backup.example' is not DNS:NAME, email:ADDRESS, IP:ADDRESS or URI:URI");
        assertThatThrownBy(() -> rules("vg0/a rw san IP:host.example\n"))
                .hasMessage("rules.conf line 1: 'host.example' is not an IP address");
    }

    private static AccessRules rules(String text) throws AccessRulesException {
        return AccessRules.parse(text, "rules.conf");
    }

    @Test
    void theFirstMatchingRuleDecidesAndNoMatchDenies() throws Exception {
        AccessRules r = rules("""
                # backups read everything, the app writes its own volume
                vg0/secret  deny  any
                vg0/*       ro    address 127.0.0.2
                vg0/app     rw    address 127.0.0.0/8

                *           ro    uid 0
                """);
        assertThat(r.size()).isEqualTo(4);
        assertThat(r.grant(tcp("127.0.0.2"), "vg0/app")).isEqualTo(Grant.READ_ONLY);
        assertThat(r.grant(tcp("127.0.0.1"), "vg0/app")).isEqualTo(Grant.READ_WRITE);
        assertThat(r.grant(tcp("127.0.0.1"), "vg0/db")).isEqualTo(Grant.DENY);
        assertThat(r.grant(tcp("127.0.0.2"), "vg0/secret")).isEqualTo(Grant.DENY);
        assertThat(r.grant(unix(0, 0), "vg0/secret")).as("deny any comes first").isEqualTo(Grant.DENY);
        assertThat(r.grant(unix(0, 0), "vg1/x")).isEqualTo(Grant.READ_ONLY);
        assertThat(r.grant(tcp("10.0.0.1"), "vg0/app")).isEqualTo(Grant.DENY);
    }

    @Test
    void commentsRunFromAHashAtTheStartOrAfterABlankToTheEndOfTheLine() throws Exception {
        AccessRules r = rules("""
                #vg0/a rw any
                vg0/b  rw  subject CN=x\\#1,O=Example   # the backup host
                vg0/c  ro  uid 0 # root
                """);
        assertThat(r.size()).isEqualTo(2);
        assertThat(r.grant(certified("CN=x\\#1,O=Example"), "vg0/b")).isEqualTo(Grant.READ_WRITE);
        assertThat(r.grant(unix(0, 0), "vg0/c")).isEqualTo(Grant.READ_ONLY);
        assertThat(r.grant(unix(0, 0), "vg0/a")).isEqualTo(Grant.DENY);
    }

    @Test
    void anEmptyFileDeniesEverything() throws Exception {
        assertThat(rules("# nothing yet\n\n").grant(tcp("127.0.0.1"), "vg0/lv")).isEqualTo(Grant.DENY);
    }

    @Test
    void globsMatchWholeNamesWithStarAndQuestionMarkOnly() throws Exception {
        AccessRules r = rules("vg?/data-*  rw  any\nvg0.lv  ro  any\n");
        assertThat(r.grant(tcp("127.0.0.1"), "vg1/data-01")).isEqualTo(Grant.READ_WRITE);
        assertThat(r.grant(tcp("127.0.0.1"), "vg12/data-01")).isEqualTo(Grant.DENY);
        assertThat(r.grant(tcp("127.0.0.1"), "x/vg1/data-01")).as("anchored").isEqualTo(Grant.DENY);
        assertThat(r.grant(tcp("127.0.0.1"), "vg0.lv")).isEqualTo(Grant.READ_ONLY);
        assertThat(r.grant(tcp("127.0.0.1"), "vg0xlv")).as("a dot is literal").isEqualTo(Grant.DENY);
    }

    @Test
    void addressesMatchOnlyTcpPeersInTheirNetwork() throws Exception {
        AccessRules r = rules("* rw address 192.168.4.0/22\n* ro address ::1\n* rw address 10.1.2.3/0\n");
        assertThat(r.grant(tcp("192.168.7.255"), "x")).isEqualTo(Grant.READ_WRITE);
        assertThat(r.grant(tcp("192.168.8.0"), "x")).as("/0 matches every IPv4 peer").isEqualTo(Grant.READ_WRITE);
        assertThat(r.grant(tcp("::1"), "x")).isEqualTo(Grant.READ_ONLY);
        assertThat(r.grant(tcp("::2"), "x")).isEqualTo(Grant.DENY);
        assertThat(r.grant(unix(0, 0), "x")).isEqualTo(Grant.DENY);
    }

    @Test
    void uidAndGidMatchOnlyUnixPeers() throws Exception {
        AccessRules r = rules("* rw uid 1000\n* ro gid 6\n");
        assertThat(r.grant(unix(1000, 1000), "x")).isEqualTo(Grant.READ_WRITE);
        assertThat(r.grant(unix(65534, 6), "x")).isEqualTo(Grant.READ_ONLY);
        assertThat(r.grant(unix(65534, 65534), "x")).isEqualTo(Grant.DENY);
        assertThat(r.grant(tcp("127.0.0.1"), "x")).isEqualTo(Grant.DENY);
    }

    @Test
    void subjectsAreComparedInCanonicalFormAndOnlyWithACertificate() throws Exception {
        AccessRules r = rules("vg0/*  rw  subject CN=Backup Client, O=Example\n");
        assertThat(r.namesSubjects()).isTrue();
        assertThat(r.grant(certified("cn=backup client,o=example"), "vg0/a")).isEqualTo(Grant.READ_WRITE);
        assertThat(r.grant(certified("CN=Backup Client,O=Other"), "vg0/a")).isEqualTo(Grant.DENY);
        assertThat(r.grant(tcp("127.0.0.1"), "vg0/a")).isEqualTo(Grant.DENY);
        assertThat(rules("* rw any").namesSubjects()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "vg0/a rw|line 2: expected EXPORT GRANT IDENTITY, got 'vg0/a rw'",
        "vg0/a rx any|line 2: unknown grant 'rx' (expected rw, ro or deny)",
        "vg0/a rw who 0|line 2: unknown identity 'who' (expected any, address, uid, gid, user, group, subject or san)",
        "vg0/a rw any 1|line 2: 'any' takes no value, got '1'",
        "vg0/a rw uid|line 2: 'uid' needs a value",
        "vg0/a rw uid root|line 2: uid 'root' is not a numeric id",
        "vg0/a rw gid 99999999999|line 2: gid '99999999999' is not a numeric id",
        "vg0/a rw address 10.0.0.0/33|line 2: address '10.0.0.0/33': prefix must be 0-32",
        "vg0/a rw address ::1/129|line 2: address '::1/129': prefix must be 0-128",
        "vg0/a rw address localhost|line 2: address 'localhost' is not an IP address or IP/PREFIX",
        "vg0/a rw address 10.0.0.1 10.0.0.2|line 2: 'address' takes one value, got '10.0.0.1 10.0.0.2'",
        "vg0/a rw subject CN|line 2: subject 'CN' is not a distinguished name such as CN=backup,O=Example",
    })
    void badRulesAreRefusedNamingTheFileAndLine(String rule, String message) {
        assertThatThrownBy(() -> rules("* ro any\n" + rule + "\n* rw any\n"))
                .isInstanceOf(AccessRulesException.class)
                .hasMessageStartingWith("rules.conf " + message);
    }
}
