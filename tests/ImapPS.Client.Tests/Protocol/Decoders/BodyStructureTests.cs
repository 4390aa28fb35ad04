using System.Linq;
using ImapPS.Client.Protocol;
using static ImapPS.Client.Tests.Protocol.Decoders.FetchDataTests;

namespace ImapPS.Client.Tests.Protocol.Decoders
{
    public class BodyStructureTests
    {
        private static BodyStructure Body(string structure) => FetchData.Parse(R("* 1 FETCH (BODYSTRUCTURE " + structure + ")")).Body!;

        [Fact]
        public void Rfc3501_single_text_part()
        {
            var b = (BodyPartBasic)Body("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92)");
            Assert.Equal("text/plain", b.ContentType);
            Assert.Equal("US-ASCII", b.Parameters["charset"]);
            Assert.Equal("7bit", b.ContentTransferEncoding);
            Assert.Equal(3028, b.Size);
            Assert.Equal(92L, b.Lines);
            Assert.Equal("1", b.PartSpecifier);
            Assert.Null(b.Disposition);
            Assert.Empty(b.EnumerateAttachments());
        }

        [Fact]
        public void Rfc2231_names_make_a_part_an_attachment_and_are_returned_raw()
        {
            // Dovecot merges continuations into name*/filename*; other servers pass the segments on.
            var b = (BodyPartMultipart)Body("((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 2 1)" +
                "(\"APPLICATION\" \"PDF\" (\"NAME*\" \"UTF-8''a%C3%BC.pdf\") NIL NIL \"BASE64\" 4 NIL NIL NIL NIL)" +
                "(\"APPLICATION\" \"PDF\" NIL NIL NIL \"BASE64\" 4 NIL (\"INLINE\" (\"FILENAME*0*\" \"UTF-8''b\" \"FILENAME*1*\" \"%C3%BC.pdf\")) NIL NIL) \"MIXED\")");
            var attachments = b.EnumerateAttachments().ToList();
            Assert.Equal(new[] { "2", "3" }, attachments.Select(a => a.PartSpecifier));
            Assert.Equal("UTF-8''a%C3%BC.pdf", attachments[0].FileName);
            Assert.Equal("UTF-8''b", attachments[1].FileName);
        }

        [Fact]
        public void Multipart_with_attachment_and_extensions()
        {
            var b = (BodyPartMultipart)Body("((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"QUOTED-PRINTABLE\" 120 4 NIL NIL NIL NIL)" +
                "(\"APPLICATION\" \"PDF\" (\"NAME\" \"r.pdf\") \"<cid@x>\" \"Report\" \"BASE64\" 5000 \"md5sum\" (\"ATTACHMENT\" (\"FILENAME\" \"report.pdf\")) (\"en\" \"de\") \"http://x/\")" +
                " \"MIXED\" (\"BOUNDARY\" \"b1\") (\"inline\" NIL) \"en\" NIL)");
            Assert.Equal("multipart/mixed", b.ContentType);
            Assert.Equal("TEXT", b.PartSpecifier);
            Assert.Equal("b1", b.Parameters["Boundary"]);
            Assert.Equal("inline", b.Disposition);
            Assert.Equal(new[] { "en" }, b.Language);
            Assert.Equal(new[] { "1", "2" }, b.Parts.Select(p => p.PartSpecifier));
            var pdf = (BodyPartBasic)b.Parts[1];
            Assert.Equal("<cid@x>", pdf.ContentId);
            Assert.Equal("Report", pdf.Description);
            Assert.Null(pdf.Lines);
            Assert.Equal("md5sum", pdf.Md5);
            Assert.Equal("attachment", pdf.Disposition);
            Assert.Equal("report.pdf", pdf.FileName);
            Assert.Equal(new[] { "en", "de" }, pdf.Language);
            Assert.Equal("http://x/", pdf.Location);
            Assert.Same(pdf, b.EnumerateAttachments().Single());
            Assert.Equal(2, b.EnumerateLeafParts().Count());
        }

        [Fact]
        public void Nested_message_rfc822_part_numbers()
        {
            var b = (BodyPartMultipart)Body("((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 10 1)" +
                "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 900 (NIL \"inner\" NIL NIL NIL NIL NIL NIL NIL NIL) " +
                "((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 5 1)((\"TEXT\" \"HTML\" NIL NIL NIL \"7BIT\" 5 1)(\"IMAGE\" \"PNG\" (\"NAME\" \"a.png\") NIL NIL \"BASE64\" 50) \"RELATED\") \"ALTERNATIVE\") 20)" +
                "(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 100 (NIL \"single\" NIL NIL NIL NIL NIL NIL NIL NIL) (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 5 1) 4)" +
                " \"MIXED\")");
            var m = (BodyPartMessage)b.Parts[1];
            Assert.Equal("2", m.PartSpecifier);
            Assert.Equal("inner", m.Envelope!.Subject);
            Assert.Equal(20L, m.Lines);
            var alt = (BodyPartMultipart)m.Body!;
            Assert.Equal("2.TEXT", alt.PartSpecifier);
            Assert.Equal("2.1", alt.Parts[0].PartSpecifier);
            var related = (BodyPartMultipart)alt.Parts[1];
            Assert.Equal("2.2", related.PartSpecifier);
            Assert.Equal(new[] { "2.2.1", "2.2.2" }, related.Parts.Select(p => p.PartSpecifier));
            var single = (BodyPartMessage)b.Parts[2];
            Assert.Equal("3.1", single.Body!.PartSpecifier);
            Assert.Equal(new[] { "1", "2", "3" }, b.EnumerateLeafParts().Select(p => p.PartSpecifier));
            Assert.Equal(new[] { "1", "2.1", "2.2.1", "2.2.2", "3.1" }, b.EnumerateLeafParts(descendIntoMessages: true).Select(p => p.PartSpecifier));
            Assert.Equal("a.png", related.EnumerateAttachments().Single().FileName);
        }

        [Theory]
        // ruby net-imap: message/rfc822 without envelope and body
        [InlineData("(((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"iso-8859-1\") NIL NIL \"QUOTED-PRINTABLE\" 69 1)(\"TEXT\" \"HTML\" (\"CHARSET\" \"iso-8859-1\") NIL NIL \"QUOTED-PRINTABLE\" 455 12) \"ALTERNATIVE\")(\"MESSAGE\" \"RFC822\" (\"NAME\" \"ATT00026.eml\") NIL NIL \"7BIT\" 4079755) \"MIXED\")", "multipart/mixed", 3)]
        // ruby net-imap: message/delivery-status has no lines
        [InlineData("((\"MESSAGE\" \"DELIVERY-STATUS\" NIL NIL NIL \"7BIT\" 324) \"REPORT\")", "multipart/report", 1)]
        // ruby net-imap bug 7153: a "multipart" that is only a subtype
        [InlineData("(\"MIXED\")", "mixed/", 1)]
        // NIL where strings and numbers belong, lowercase NiL
        [InlineData("(\"TEXT\" \"PLAIN\" NIL NIL NIL NIL NIL NiL)", "text/plain", 1)]
        // extension data with nested lists after the known fields
        [InlineData("(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23 \"123456789abcdef\" (\"dsp-type\" (\"dsp-fld-param\" \"val1\" \"key2\" \"val2\")) (\"lang1\" \"lang2\") \"loc\" \"ext0\" 1 (2) \"ext3\" ((((((4)))))) (\"ext number\" 5))", "text/plain", 1)]
        // disposition as a bare string, parameter list with a NIL value
        [InlineData("(\"APPLICATION\" \"OCTET-STREAM\" (\"NAME\" NIL) NIL NIL \"BASE64\" 10 NIL \"attachment\")", "application/octet-stream", 1)]
        // Domino: an extra pair of parentheses around a multipart
        [InlineData("(((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1)(\"TEXT\" \"HTML\" NIL NIL NIL \"7BIT\" 1 1) \"ALTERNATIVE\"))", "multipart/alternative", 2)]
        public void Real_server_quirks(string structure, string contentType, int leaves)
        {
            var b = Body(structure);
            Assert.Equal(contentType, b.ContentType);
            Assert.Equal(leaves, b.EnumerateLeafParts().Count());
            if (b is BodyPartMultipart mp) Assert.Equal("1", mp.Parts[0].PartSpecifier);
        }

        [Fact]
        public void Body_without_section_is_the_structure()
        {
            var f = FetchData.Parse(R("* 1 FETCH (BODY (\"TEXT\" \"PLAIN\" NIL NIL NIL \"8BIT\" 5 1) BODY[] {2}\r\nhi)"));
            Assert.Equal("8bit", ((BodyPartBasic)f.Body!).ContentTransferEncoding);
            Assert.Single(f.Sections);
        }

        [Fact]
        public void Attachment_detection_by_file_name_without_disposition()
        {
            var b = Body("((\"TEXT\" \"PLAIN\" (\"NAME\" \"notes.txt\") NIL NIL \"7BIT\" 1 1)(\"IMAGE\" \"JPEG\" (\"NAME\" \"p.jpg\") NIL NIL \"BASE64\" 10) \"MIXED\")");
            Assert.Equal(new[] { "p.jpg" }, b.EnumerateAttachments().Select(p => p.FileName));
        }

        [Fact]
        public void Deep_nesting_is_bounded()
        {
            string deep = string.Concat(Enumerable.Repeat("(", 150)) + "\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1" + string.Concat(Enumerable.Repeat(" \"MIXED\")", 150));
            Assert.Throws<ImapProtocolException>(() => Body(deep));
        }
    }
}
