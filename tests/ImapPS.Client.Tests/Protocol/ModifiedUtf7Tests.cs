using System;
using CsCheck;
using ImapPS.Client.Protocol;

namespace ImapPS.Client.Tests.Protocol
{
    public class ModifiedUtf7Tests
    {
        [Theory]
        [InlineData("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-")]
        [InlineData("&", "&-")]
        [InlineData("Tom & Jerry", "Tom &- Jerry")]
        [InlineData("&&", "&-&-")]
        [InlineData("", "")]
        [InlineData("INBOX", "INBOX")]
        [InlineData("Entwürfe", "Entw&APw-rfe")]
        [InlineData("☺!", "&Jjo-!")]
        [InlineData("😀", "&2D3eAA-")]
        [InlineData("台北&", "&U,BTFw-&-")]
        [InlineData("a\tb", "a&AAk-b")]
        [InlineData("-&-", "-&--")]
        public void KnownVectorsEncodeAndDecode(string decoded, string encoded)
        {
            Assert.Equal(encoded, ModifiedUtf7.Encode(decoded));
            Assert.Equal(decoded, ModifiedUtf7.Decode(encoded));
            Assert.True(ModifiedUtf7.TryDecode(encoded, out string? viaTry));
            Assert.Equal(decoded, viaTry);
        }

        [Fact]
        public void NamesWithNothingToEncodeAreReturnedAsIs()
        {
            const string name = "Archive/2024";
            Assert.Same(name, ModifiedUtf7.Encode(name));
            Assert.Same(name, ModifiedUtf7.Decode(name));
        }

        [Theory]
        [InlineData("&", 0)]              // unterminated
        [InlineData("&U,BTFw", 0)]        // unterminated
        [InlineData("&AGE-", 3)]          // 'a' must not be encoded
        [InlineData("&ACY-", 3)]          // '&' must be "&-"
        [InlineData("&U,BTFx-", 7)]       // non-zero padding bits
        [InlineData("&U,BTFwA-", 8)]      // a whole extra sextet of padding
        [InlineData("&U,BTFw-&ZeU-", 8)]  // adjacent sections must be merged
        [InlineData("&U/BTFw-", 2)]       // '/' is ',' in modified base64
        [InlineData("&U,BTFw=-", 7)]      // no '=' padding
        [InlineData("caf\u00e9", 3)]      // raw 8-bit is not modified UTF-7
        [InlineData("a\tb", 1)]           // controls must be encoded
        public void InvalidNamesThrowATypedException(string encoded, int position)
        {
            var error = Assert.Throws<ImapMailboxNameException>(() => ModifiedUtf7.Decode(encoded));
            Assert.IsAssignableFrom<ImapException>(error);
            Assert.Equal(encoded, error.EncodedName);
            Assert.Equal(position, error.Position);
            Assert.False(ModifiedUtf7.TryDecode(encoded, out string? decoded));
            Assert.Null(decoded);
        }

        private static readonly Gen<string> AnyName = Gen.Frequency(
                (6, Gen.Char[' ', '~'].Select(c => c.ToString())),
                (2, Gen.OneOf("&", "-", "&-", "/", ".")),
                (3, Gen.Char['\u0000', '\uFFFF'].Select(c => c.ToString())), // includes lone surrogates
                (2, Gen.Int[0x10000, 0x10FFFF].Select(char.ConvertFromUtf32)))
            .Array[0, 16].Select(string.Concat);

        [Fact]
        public void EveryStringSurvivesEncodeThenDecode()
        {
            AnyName.Sample(name => Assert.Equal(name, ModifiedUtf7.Decode(ModifiedUtf7.Encode(name))), iter: 5000);
        }

        [Fact]
        public void EncodedNamesArePrintableAscii()
        {
            AnyName.Sample(name =>
            {
                foreach (char c in ModifiedUtf7.Encode(name))
                    Assert.InRange(c, ' ', '~');
            }, iter: 5000);
        }

        [Fact]
        public void AnyNameThatDecodesIsCanonical()
        {
            // Random ASCII heavy in '&', '-' and base64 characters: whatever Decode accepts must
            // re-encode to exactly the same bytes, so SELECTing a listed name addresses that mailbox.
            Gen.Frequency(
                    (4, Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,"]),
                    (2, Gen.Char["&-"]),
                    (1, Gen.Char[' ', '~']))
                .Array[0, 20].Select(chars => new string(chars))
                .Sample(encoded =>
                {
                    if (ModifiedUtf7.TryDecode(encoded, out string? decoded))
                        Assert.Equal(encoded, ModifiedUtf7.Encode(decoded!));
                }, iter: 10000);
        }

        [Theory]
        [InlineData(false, "台北", "&U,BTFw-")]
        [InlineData(true, "台北", "台北")]
        [InlineData(true, "a&b", "a&b")]
        public void BuilderEncodesMailboxNamesForItsMode(bool utf8Accept, string name, string expected)
        {
            Assert.Equal(expected, new CommandBuilder(LiteralSupport.Synchronizing, utf8Accept).EncodeMailboxName(name));
        }
    }
}
