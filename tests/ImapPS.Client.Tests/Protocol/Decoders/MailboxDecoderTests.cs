using System;
using System.Linq;
using ImapPS.Client.Protocol;
using static ImapPS.Client.Tests.Protocol.Decoders.FetchDataTests;

namespace ImapPS.Client.Tests.Protocol.Decoders
{
    public class MailboxDecoderTests
    {
        [Theory]
        [InlineData("* LIST (\\HasNoChildren) \"/\" INBOX", "INBOX", '/', null)]
        [InlineData("* LIST (\\HasNoChildren \\Sent) \".\" \"Sent Items\"", "Sent Items", '.', "\\Sent")]
        [InlineData("* LIST (\\Noselect) NIL \"\"", "", null, null)]
        [InlineData("* XLIST (\\HasNoChildren \\AllMail) \"/\" \"[Gmail]/All Mail\"", "[Gmail]/All Mail", '/', "\\All")]
        [InlineData("* XLIST (\\HasNoChildren \\Spam) \"/\" \"[Gmail]/Spam\"", "[Gmail]/Spam", '/', "\\Junk")]
        [InlineData("* XLIST (\\HasNoChildren \\Starred) \"/\" \"[Gmail]/Starred\"", "[Gmail]/Starred", '/', "\\Flagged")]
        [InlineData("* XLIST (\\HasNoChildren \\Inbox) \"/\" \"Inbox\"", "Inbox", '/', "\\Inbox")]
        [InlineData("* LSUB () \"/\" {11}\r\nSome Folder", "Some Folder", '/', null)]
        [InlineData("* list (\\hasnochildren \\trash) \"/\" Trash", "Trash", '/', "\\Trash")]
        [InlineData("* LIST (\\HasNoChildren) \"/\" \"Entw&APw-rfe\"", "Entwürfe", '/', null)]
        [InlineData("* LIST (\\HasNoChildren) \"/\" \"bad&-utf7&AB\"", "bad&-utf7&AB", '/', null)]
        public void List_entries(string line, string name, char? delimiter, string? specialUse)
        {
            var e = ListEntry.Parse(R(line));
            Assert.Equal(name, e.Name);
            Assert.Equal(delimiter, e.Delimiter);
            Assert.Equal(specialUse, e.SpecialUse);
        }

        [Fact]
        public void List_attributes_and_extended_data()
        {
            var e = ListEntry.Parse(R("* LIST (\\HasChildren \\Subscribed \\NonExistent) \"/\" \"Foo\" (\"CHILDINFO\" (\"SUBSCRIBED\") \"OLDNAME\" (\"Bar&AOQ-\") \"X-EXT\" 5)"));
            Assert.True(e.HasChildren);
            Assert.False(e.HasNoChildren);
            Assert.True(e.NoSelect);
            Assert.True(e.NonExistent);
            Assert.True(e.IsSubscribed);
            Assert.Equal(new[] { "SUBSCRIBED" }, e.ChildInfo);
            Assert.Equal("Barä", e.OldName);
            Assert.Equal("X-EXT", e.Extensions.Single().Key);
            Assert.Equal("LIST", e.Kind);
        }

        [Fact]
        public void List_name_in_utf8_mode_is_not_decoded()
        {
            var e = ListEntry.Parse(R("* LIST () \"/\" \"A&AOQ-\""), utf8: true);
            Assert.Equal("A&AOQ-", e.Name);
            Assert.Equal("A&AOQ-", e.RawName);
        }

        [Theory]
        [InlineData("* LIST \"/\" INBOX")]
        [InlineData("* LIST (\\HasNoChildren) \"/\"")]
        [InlineData("* LIST (\\HasNoChildren)")]
        public void Malformed_list_throws(string line) => Assert.Throws<ImapProtocolException>(() => ListEntry.Parse(R(line)));

        [Fact]
        public void Status_items()
        {
            var s = StatusData.Parse(R("* STATUS \"Entw&APw-rfe\" (MESSAGES 231 RECENT 1 UIDNEXT 44292 UIDVALIDITY 1 UNSEEN 3 SIZE 123456789012 HIGHESTMODSEQ 7011231777 DELETED 2 APPENDLIMIT NIL X-FOO 1)"));
            Assert.Equal("Entwürfe", s.Mailbox);
            Assert.Equal(231u, s.Messages);
            Assert.Equal(1u, s.Recent);
            Assert.Equal(44292u, s.UidNext);
            Assert.Equal(1u, s.UidValidity);
            Assert.Equal(3u, s.Unseen);
            Assert.Equal(123456789012UL, s.Size);
            Assert.Equal(7011231777UL, s.HighestModSeq);
            Assert.Equal(2u, s.Deleted);
            Assert.Null(s.AppendLimit);
            var empty = StatusData.Parse(R("* STATUS blurdybloop ()"));
            Assert.Null(empty.Messages);
            Assert.Equal("blurdybloop", empty.Mailbox);
        }

        [Theory]
        [InlineData("* SEARCH 2 84 882", new uint[] { 2, 84, 882 }, null)]
        [InlineData("* SEARCH", new uint[0], null)]
        [InlineData("* SEARCH 2 5 (MODSEQ 917162500)", new uint[] { 2, 5 }, 917162500UL)]
        [InlineData("* SORT 5 3 4 1 2", new uint[] { 5, 3, 4, 1, 2 }, null)]
        [InlineData("* SEARCH 1 2 ", new uint[] { 1, 2 }, null)]
        public void Search_and_sort(string line, uint[] numbers, ulong? modseq)
        {
            var s = SearchResult.Parse(R(line));
            Assert.Equal(numbers, s.Numbers);
            Assert.Equal(modseq, s.ModSeq);
            Assert.False(s.IsUid);
        }

        [Fact]
        public void Esearch_expands_sets()
        {
            var s = SearchResult.Parse(R("* ESEARCH (TAG \"A282\") UID MIN 2 MAX 19 COUNT 5 ALL 2,10:11,19:17 MODSEQ 5"));
            Assert.Equal("A282", s.Tag);
            Assert.True(s.IsUid);
            Assert.Equal(2u, s.Min);
            Assert.Equal(19u, s.Max);
            Assert.Equal(5u, s.Count);
            Assert.Equal(5UL, s.ModSeq);
            Assert.Equal(new uint[] { 2, 10, 11, 17, 18, 19 }, s.Numbers);
            var partial = SearchResult.Parse(R("* ESEARCH (TAG \"A01\") UID PARTIAL (-1:-100 200:250,252:300)"));
            Assert.Equal("-1:-100", partial.PartialRange);
            Assert.Equal(100, partial.Numbers.Count);
            var none = SearchResult.Parse(R("* ESEARCH (TAG \"A3\")"));
            Assert.Empty(none.Numbers);
            Assert.Null(none.Count);
            Assert.Equal(3u, SearchResult.Parse(R("* ESEARCH COUNT 3")).Count);
        }

        [Theory]
        [InlineData("* SEARCH 1 x")]
        [InlineData("* ESEARCH (TAG \"a\") ALL 1:*")]
        [InlineData("* ESEARCH ALL 1:4294967295")]
        [InlineData("* ESEARCH MIN")]
        public void Malformed_search_throws(string line) => Assert.Throws<ImapProtocolException>(() => SearchResult.Parse(R(line)));

        [Fact]
        public void Thread_tree()
        {
            var roots = ThreadNode.Parse(R("* THREAD (2)(3 6 (4 23)(44 7 96))"));
            Assert.Equal(2, roots.Count);
            Assert.Equal(2u, roots[0].Number);
            Assert.Empty(roots[0].Children);
            var three = roots[1];
            Assert.Equal(6u, three.Children.Single().Number);
            var six = three.Children[0];
            Assert.Equal(new uint?[] { 4, 44 }, six.Children.Select(c => c.Number));
            Assert.Equal(23u, six.Children[0].Children.Single().Number);
            Assert.Equal(96u, six.Children[1].Children.Single().Children.Single().Number);
        }

        [Fact]
        public void Thread_dummy_parents_and_empty()
        {
            var roots = ThreadNode.Parse(R("* THREAD ((3)(5))"));
            Assert.Null(roots.Single().Number);
            Assert.Equal(new uint?[] { 3, 5 }, roots[0].Children.Select(c => c.Number));
            Assert.Empty(ThreadNode.Parse(R("* THREAD")));
            Assert.Throws<ImapProtocolException>(() => ThreadNode.Parse(R("* THREAD (1 x)")));
            Assert.Throws<ImapProtocolException>(() => ThreadNode.Parse(R("* THREAD 1")));
        }

        [Fact]
        public void Vanished()
        {
            var v = VanishedData.Parse(R("* VANISHED (EARLIER) 300:303,405"));
            Assert.True(v.Earlier);
            Assert.Equal(new uint[] { 300, 301, 302, 303, 405 }, v.Uids);
            Assert.False(VanishedData.Parse(R("* VANISHED 1")).Earlier);
            Assert.Throws<ImapProtocolException>(() => VanishedData.Parse(R("* VANISHED (EARLIER)")));
        }

        [Fact]
        public void Number_set_expansion()
        {
            Assert.Equal(new uint[] { 1, 2, 3, 9 }, NumberSet.Expand("1:3,9"));
            Assert.Equal(new uint[] { 4294967294, 4294967295 }, NumberSet.Expand("4294967295:4294967294"));
            Assert.Throws<ImapProtocolException>(() => NumberSet.Expand("1,"));
            Assert.Throws<ImapProtocolException>(() => NumberSet.Expand(""));
            Assert.Throws<ImapProtocolException>(() => NumberSet.Expand("4294967296"));
        }
    }

    public class ServerDecoderTests
    {
        [Fact]
        public void Quota_and_quotaroot()
        {
            var q = QuotaData.Parse(R("* QUOTA \"\" (STORAGE 10 512 message 3 100)"));
            Assert.Equal("", q.Root);
            Assert.Equal(new[] { "STORAGE", "MESSAGE" }, q.Resources.Select(r => r.Name));
            Assert.Equal(10UL, q.Resources[0].Usage);
            Assert.Equal(100UL, q.Resources[1].Limit);
            var qr = QuotaRootData.Parse(R("* QUOTAROOT INBOX \"\" user"));
            Assert.Equal("INBOX", qr.Mailbox);
            Assert.Equal(new[] { "", "user" }, qr.Roots);
            Assert.Empty(QuotaRootData.Parse(R("* QUOTAROOT comp.mail.mime")).Roots);
            Assert.Throws<ImapProtocolException>(() => QuotaData.Parse(R("* QUOTA \"\" (STORAGE 10)")));
        }

        [Fact]
        public void Acl_listrights_myrights()
        {
            var acl = AclData.Parse(R("* ACL INBOX Fred rwipslda \"-test user\" lr"));
            Assert.Equal("INBOX", acl.Mailbox);
            Assert.Equal(new[] { "Fred", "-test user" }, acl.Entries.Select(e => e.Identifier));
            Assert.Equal("lr", acl.Entries[1].Rights);
            Assert.Empty(AclData.Parse(R("* ACL INBOX")).Entries);
            var lr = ListRightsData.Parse(R("* LISTRIGHTS ~/Mail/saved smith la r swicdkxte"));
            Assert.Equal("smith", lr.Identifier);
            Assert.Equal("la", lr.RequiredRights);
            Assert.Equal(new[] { "r", "swicdkxte" }, lr.OptionalRights);
            var my = MyRightsData.Parse(R("* MYRIGHTS INBOX rwiptsldaex"));
            Assert.Equal("rwiptsldaex", my.Rights);
        }

        [Fact]
        public void Namespace_with_extensions()
        {
            var ns = NamespaceData.Parse(R("* NAMESPACE ((\"\" \"/\")(\"#mh/\" \"/\" \"X-PARAM\" (\"FLAG1\" \"FLAG2\"))) ((\"~\" \"/\")) NIL"));
            Assert.Equal(2, ns.Personal.Count);
            Assert.Equal('/', ns.Personal[0].Delimiter);
            Assert.Equal("#mh/", ns.Personal[1].Prefix);
            Assert.Equal(new[] { "FLAG1", "FLAG2" }, ns.Personal[1].Extensions.Single().Value);
            Assert.Equal("~", ns.Other.Single().Prefix);
            Assert.Empty(ns.Shared);
            var flat = NamespaceData.Parse(R("* NAMESPACE ((\"\" NIL)) NIL NIL"));
            Assert.Null(flat.Personal[0].Delimiter);
        }

        [Fact]
        public void Id_enabled_capability()
        {
            var id = IdData.Parse(R("* ID (\"name\" \"Cyrus\" \"version\" \"1.5\" \"support-url\" NIL)"));
            Assert.Equal("Cyrus", id.Fields["NAME"]);
            Assert.Null(id.Fields["support-url"]);
            Assert.Empty(IdData.Parse(R("* ID NIL")).Fields);
            Assert.Equal(new[] { "CONDSTORE", "QRESYNC" }, EnabledData.Parse(R("* ENABLED condstore QRESYNC")).Capabilities);
            Assert.Empty(EnabledData.Parse(R("* ENABLED")).Capabilities);
            var cap = CapabilityData.Parse(R("* CAPABILITY IMAP4rev1 LITERAL+ AUTH=PLAIN auth=xoauth2"));
            Assert.True(cap.Has("literal+"));
            Assert.Equal(new[] { "PLAIN", "XOAUTH2" }, cap.AuthMechanisms);
            var code = CapabilityData.Parse(R("* OK [CAPABILITY IMAP4rev1 SASL-IR] Dovecot ready."));
            Assert.Equal(new[] { "IMAP4REV1", "SASL-IR" }, code.Capabilities);
            Assert.False(CapabilityData.TryParse(R("* OK ready"), out _));
        }

        [Fact]
        public void Metadata_both_forms()
        {
            var m = MetadataData.Parse(R("* METADATA \"INBOX\" (/private/comment \"this is a private comment\" /shared/comment NIL)"));
            Assert.Equal("INBOX", m.Mailbox);
            Assert.False(m.IsEntryList);
            Assert.Equal(new[] { "/private/comment", "/shared/comment" }, m.Entries.Select(e => e.Key));
            Assert.Equal("this is a private comment", m.Entries[0].Value);
            Assert.Null(m.Entries[1].Value);
            var list = MetadataData.Parse(R("* METADATA \"\" /shared/comment /shared/admin"));
            Assert.True(list.IsEntryList);
            Assert.Equal(2, list.Entries.Count);
            var lit = MetadataData.Parse(R("* METADATA INBOX (/private/comment {3}\r\na\r\n)"));
            Assert.Equal("a\r\n", lit.Entries[0].Value);
        }

        [Fact]
        public void Untagged_annotation_draft_form()
        {
            var a = AnnotationData.Parse(R("* ANNOTATION \"INBOX\" \"/comment\" (\"value.shared\" \"x\" \"size.shared\" \"1\")"));
            Assert.Equal("INBOX", a.Mailbox);
            Assert.Equal("x", a.Entries.Single()["value.shared"]);
        }

        [Fact]
        public void Response_codes()
        {
            Assert.True(ResponseCodes.TryGetAppendUid(R("A4 OK [APPENDUID 38505 3955] APPEND completed"), out uint v, out var uids));
            Assert.Equal(38505u, v);
            Assert.Equal(new uint[] { 3955 }, uids);
            Assert.True(ResponseCodes.TryGetAppendUid(R("A4 OK [APPENDUID 1 5:7,9] done"), out _, out uids));
            Assert.Equal(new uint[] { 5, 6, 7, 9 }, uids);
            Assert.True(ResponseCodes.TryGetCopyUid(R("A004 OK [copyUID 9999 20:19,500:495 92:97,101:100] Done"), out v, out var src, out var dst));
            Assert.Equal(9999u, v);
            Assert.Equal(new uint[] { 19, 20, 495, 496, 497, 498, 499, 500 }, src);
            Assert.Equal(new uint[] { 92, 93, 94, 95, 96, 97, 100, 101 }, dst);
            Assert.True(ResponseCodes.TryGetCopyUid(R("[COPYUID 55 31 6]"), out _, out src, out dst));
            Assert.Equal(31u, src.Single());
            Assert.False(ResponseCodes.TryGetCopyUid(R("* OK [COPYUID 701  ]"), out _, out _, out _));
            Assert.False(ResponseCodes.TryGetCopyUid(R("* OK [COPYUID] missing"), out _, out _, out _));
            Assert.False(ResponseCodes.TryGetCopyUid(R("* OK [COPYUID 1 1:3 5:6] mismatched"), out _, out _, out _));
            Assert.False(ResponseCodes.TryGetAppendUid(R("A1 OK done"), out _, out _));
            Assert.Equal(3857529045u, ResponseCodes.UidValidity(R("* OK [UIDVALIDITY 3857529045] UIDs valid")));
            Assert.Equal(4392u, ResponseCodes.UidNext(R("* OK [UIDNEXT 4392] Predicted next UID")));
            Assert.Null(ResponseCodes.UidNext(R("* OK [UIDVALIDITY 1] x")));
            Assert.Equal(715194045007UL, ResponseCodes.HighestModSeq(R("* OK [HIGHESTMODSEQ 715194045007] Highest")));
            Assert.Equal(new[] { "\\Deleted", "\\Seen", "\\*" }, ResponseCodes.PermanentFlags(R("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited")));
            Assert.Empty(ResponseCodes.PermanentFlags(R("* OK [PERMANENTFLAGS ()] none"))!);
            Assert.Equal(new[] { "US-ASCII", "UTF-8" }, ResponseCodes.BadCharset(R("A1 NO [BADCHARSET (US-ASCII \"UTF-8\")] x")));
            Assert.Empty(ResponseCodes.BadCharset(R("A1 NO [BADCHARSET] x"))!);
            Assert.Equal(35651584UL, ResponseCodes.AppendLimit(R("* OK [APPENDLIMIT 35651584] x")));
        }
    }
}
