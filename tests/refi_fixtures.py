"""Hand-made REFI-QDA projects in the shape of NVivo, MAXQDA and ATLAS.ti exports, for round-trip tests.

They are written here from the QDA-XML 1.0 schema and the tools' documented habits (NVivo: UTF-16 positions after
a BOM, CRLF, one selection per coding, user ids; MAXQDA: upper-case GUIDs, document sets, a comment on an uncoded
segment; ATLAS.ti: CRLF counted as one, a code group, quotation comments, codes that cannot be coded); they are not
real exports. Every name in them is made up.
"""

import zipfile

NS = "urn:QDA-XML:project:1.0"


def g(n, upper=False):
    """A GUID made from a number, so fixtures read clearly."""
    value = f"{n:08x}-0000-4000-8000-{n:012x}"
    return value.upper() if upper else value


def units(text, unit):
    """Positions of every code point boundary of ``text`` in ``unit`` (utf16, codepoints, codepoints-crlf-as-one)."""
    out, n, i = [0], 0, 0
    while i < len(text):
        ch = text[i]
        if unit == "utf16":
            n += 2 if ord(ch) > 0xFFFF else 1
        elif unit == "codepoints-crlf-as-one" and ch == "\r" and text[i + 1:i + 2] == "\n":
            n += 0
        else:
            n += 1
        out.append(n)
        i += 1
    return out


def span(text, quote, unit, nth=0):
    start = -1
    for _ in range(nth + 1):
        start = text.index(quote, start + 1)
    table = units(text, unit)
    return table[start], table[start + len(quote)]


NVIVO_TEXT = ("Interviewer: How do you share information?\r\nKaren Hale: We share 😀 information daily, "
              "by phone.\r\nInterviewer: And trust?\r\nKaren Hale: I trust her judgement 👍 completely.\r\n")
SHORT_TEXT = "."


def nvivo(path):
    """NVivo for Windows: two coders, one selection per coding, notes, a document set and a code set, a case."""
    u1, u2 = g(1), g(2)
    sharing = span(NVIVO_TEXT, "We share 😀 information daily", "utf16")
    trust = span(NVIVO_TEXT, "I trust her judgement 👍 completely", "utf16")
    sel = []
    for n, ((s, e), code, user, quote) in enumerate([
            (sharing, g(11), u1, "We share 😀 information daily"), (sharing, g(11), u2, "We share 😀 information daily"),
            (trust, g(12), u1, "I trust her judgement 👍 completely"), (trust, g(13), u2, "I trust her judgement 👍")]):
        sel.append(f'<PlainTextSelection guid="{g(100 + n)}" name="{quote}" startPosition="{s}" endPosition="{e}" '
                   f'creatingUser="{user}" creationDateTime="2024-03-0{n + 1}T10:00:00Z" modifyingUser="{user}" '
                   f'modifiedDateTime="2024-03-0{n + 1}T11:00:00Z"><Coding guid="{g(200 + n)}" creatingUser="{user}" '
                   f'creationDateTime="2024-03-0{n + 1}T10:00:00Z"><CodeRef targetGUID="{code}"/>'
                   + (f'<NoteRef targetGUID="{g(301)}"/>' if n == 2 else "") + "</Coding></PlainTextSelection>")
    sel[3] = sel[3].replace(' name="I trust her judgement 👍"', ' name="Karen Hale on trust"')  # not the text
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="MASH case study" origin="NVivo 14.23.0 (Windows)" creatingUserGUID="{u1}" creationDateTime="2024-02-01T09:00:00Z" modifyingUserGUID="{u2}" modifiedDateTime="2024-03-09T16:30:00Z">
<Users><User guid="{u1}" name="Nadia Cole" id="NC"/><User guid="{u2}" name="Ben Ortiz" id="BO"/></Users>
<CodeBook><Codes>
<Code guid="{g(10)}" name="Contexts" isCodable="false" color="#336699"><Description></Description>
<Code guid="{g(11)}" name="Information sharing" isCodable="true" color="#aabbcc"/>
</Code>
<Code guid="{g(12)}" name="Trust" isCodable="true"><Description>Practitioners rely on each other.</Description>
<Code guid="{g(13)}" name="Trust (partial)" isCodable="true"><Description>[context] kept as written</Description></Code>
</Code>
</Codes></CodeBook>
<Variables><Variable guid="{g(20)}" name="Agency" typeOfVariable="Text"/><Variable guid="{g(21)}" name="Years in post" typeOfVariable="Integer"><Description>At interview</Description></Variable></Variables>
<Cases><Case guid="{g(30)}" name="Ashdown"><Description>Site A</Description><VariableValue><VariableRef targetGUID="{g(20)}"/><TextValue>Police</TextValue></VariableValue><SourceRef targetGUID="{g(40)}"/></Case></Cases>
<Sources>
<TextSource guid="{g(40)}" name="Karen interview" plainTextPath="internal://{g(40)}.txt" creatingUser="{u1}" creationDateTime="2024-02-02T09:00:00Z" modifyingUser="{u1}" modifiedDateTime="2024-02-03T09:00:00Z"><Description></Description>
{"".join(sel)}
<NoteRef targetGUID="{g(300)}"/><VariableValue><VariableRef targetGUID="{g(21)}"/><IntegerValue>7</IntegerValue></VariableValue></TextSource>
<TextSource guid="{g(41)}" name="Empty memo page" plainTextPath="internal://{g(41)}.txt" creatingUser="{u2}" creationDateTime="2024-02-04T09:00:00Z"/>
<TextSource guid="{g(42)}" name="One byte" plainTextPath="internal://{g(42)}.txt" creatingUser="{u2}" creationDateTime="2024-02-05T09:00:00Z"/>
</Sources>
<Notes>
<Note guid="{g(300)}" name="About Karen" creatingUser="{u1}" creationDateTime="2024-03-01T12:00:00Z"><PlainTextContent>Karen leads the police side.</PlainTextContent></Note>
<Note guid="{g(301)}" name="Trust example" creatingUser="{u2}" creationDateTime="2024-03-02T12:00:00Z"><PlainTextContent>Clear example of trust.</PlainTextContent></Note>
</Notes>
<Sets>
<Set guid="{g(50)}" name="Ashdown interviews"><Description>Document set</Description><MemberSource targetGUID="{g(40)}"/><MemberSource targetGUID="{g(42)}"/></Set>
<Set guid="{g(51)}" name="Trust codes"><MemberCode targetGUID="{g(12)}"/><MemberCode targetGUID="{g(13)}"/></Set>
</Sets>
<Description>Exported for the MASH evaluation.</Description>
</Project>"""
    return _zip(path, xml, [(f"Sources/{g(40)}.txt", b"\xef\xbb\xbf" + NVIVO_TEXT.encode("utf-8")),
                            (f"Sources/{g(41)}.txt", b""), (f"Sources/{g(42)}.txt", SHORT_TEXT.encode())])


MAXQDA_TEXT = "Q: Who decides?\nA: The MASH manager decides, after the strategy meeting.\nQ: Thanks.\n"


def maxqda(path):
    """MAXQDA 24: upper-case GUIDs, a selection with two codings, a commented uncoded segment, document sets."""
    u = g(1, True)
    decides = span(MAXQDA_TEXT, "The MASH manager decides", "codepoints")
    meeting = span(MAXQDA_TEXT, "after the strategy meeting", "codepoints")
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="Decisions" origin="MAXQDA 24" creationDateTime="2024-05-01T08:00:00Z">
<Users><User guid="{u}" name="Mia"/></Users>
<CodeBook><Codes><Code guid="{g(11, True)}" name="Decision making" isCodable="true" color="#FF0000"><Description/></Code>
<Code guid="{g(12, True)}" name="Meetings" isCodable="true" color="#00FF00"/></Codes></CodeBook>
<Sources>
<TextSource guid="{g(40, True)}" name="Manager interview" plainTextPath="internal://{g(40, True)}.txt" creatingUser="{u}" creationDateTime="2024-05-02T08:00:00Z">
<PlainTextSelection guid="{g(100, True)}" startPosition="{decides[0]}" endPosition="{decides[1]}" creatingUser="{u}" creationDateTime="2024-05-03T08:00:00Z"><Coding guid="{g(200, True)}" creatingUser="{u}" creationDateTime="2024-05-03T08:00:00Z"><CodeRef targetGUID="{g(11, True)}"/></Coding><Coding guid="{g(201, True)}" creatingUser="{u}" creationDateTime="2024-05-03T08:01:00Z"><CodeRef targetGUID="{g(12, True)}"/></Coding></PlainTextSelection>
<PlainTextSelection guid="{g(101, True)}" startPosition="{meeting[0]}" endPosition="{meeting[1]}" creatingUser="{u}" creationDateTime="2024-05-03T09:00:00Z"><Description>Ask about the meeting's minutes.</Description></PlainTextSelection>
</TextSource>
<TextSource guid="{g(41, True)}" name="Field notes" plainTextPath="internal://{g(41, True)}.txt" creatingUser="{u}" creationDateTime="2024-05-04T08:00:00Z"/>
</Sources>
<Sets><Set guid="{g(50, True)}" name="Managers"><MemberSource targetGUID="{g(40, True)}"/></Set><Set guid="{g(51, True)}" name="Notes"><MemberSource targetGUID="{g(41, True)}"/></Set></Sets>
</Project>"""
    return _zip(path, xml, [(f"sources/{g(40, True)}.txt", MAXQDA_TEXT.encode()),
                            (f"sources/{g(41, True)}.txt", "Met the team on Tuesday.".encode())])


ATLAS_TEXT = "P1: Consent is asked at the front door.\r\nP2: Not always, honestly.\r\nP1: Sometimes it's skipped.\r\n"


def atlasti(path):
    """ATLAS.ti 23: CRLF counted as one, a quotation comment, a code group, a code that cannot be coded."""
    u = g(1)
    consent = span(ATLAS_TEXT, "Consent is asked at the front door", "codepoints-crlf-as-one")
    skipped = span(ATLAS_TEXT, "Sometimes it's skipped", "codepoints-crlf-as-one")
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="Consent" origin="ATLAS.ti 23.2.1">
<Users><User guid="{u}" name="Priya"/></Users>
<CodeBook><Codes><Code guid="{g(10)}" name="Consent" isCodable="false"><Code guid="{g(11)}" name="Consent asked" isCodable="true"><Description>When consent is sought</Description></Code>
<Code guid="{g(12)}" name="Consent skipped" isCodable="true"/></Code></Codes></CodeBook>
<Sources><TextSource guid="{g(40)}" name="Focus group" plainTextPath="internal://{g(40)}.txt" creatingUser="{u}" creationDateTime="2023-11-01T10:00:00Z" modifiedDateTime="2023-11-02T10:00:00Z">
<PlainTextSelection guid="{g(100)}" name="1:1 Consent is asked at the front door" startPosition="{consent[0]}" endPosition="{consent[1]}" creatingUser="{u}" creationDateTime="2023-11-03T10:00:00Z"><Description>Said twice in the session.</Description><Coding guid="{g(200)}" creatingUser="{u}"><CodeRef targetGUID="{g(11)}"/></Coding></PlainTextSelection>
<PlainTextSelection guid="{g(101)}" name="1:2 Sometimes it's skipped" startPosition="{skipped[0]}" endPosition="{skipped[1]}" creatingUser="{u}" creationDateTime="2023-11-03T10:05:00Z"><Coding guid="{g(201)}" creatingUser="{u}"><CodeRef targetGUID="{g(12)}"/></Coding></PlainTextSelection>
</TextSource></Sources>
<Sets><Set guid="{g(50)}" name="Consent group"><Description>code group</Description><MemberCode targetGUID="{g(11)}"/><MemberCode targetGUID="{g(12)}"/></Set></Sets>
</Project>"""
    return _zip(path, xml, [(f"sources/{g(40)}.txt", ATLAS_TEXT.encode())])


MEDIA_TEXT = "Q: What is on the board?\nA: Every open referral, by agency.\n"
# Stand-ins with the files' real signatures: ipe never opens them, it only has to give back the same bytes.
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) + b"IEND\xaeB`\x82"
PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PDF_TEXT = "Referral form\nConsent: yes\n"


def media(path):
    """MAXQDA 24 with a picture and a PDF beside a transcript: a coded region of the picture (and a coding of the
    whole picture), a coded region of a PDF page, the PDF's text representation with a coded selection of its own."""
    u = g(1, True)
    board = span(MEDIA_TEXT, "Every open referral", "codepoints")
    consent = span(PDF_TEXT, "Consent: yes", "codepoints")
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="Front door" origin="MAXQDA 24">
<Users><User guid="{u}" name="Mia"/></Users>
<CodeBook><Codes><Code guid="{g(11, True)}" name="Referrals" isCodable="true"/><Code guid="{g(12, True)}" name="Consent" isCodable="true"/></Codes></CodeBook>
<Sources>
<TextSource guid="{g(40, True)}" name="Board interview" plainTextPath="internal://{g(40, True)}.txt" creatingUser="{u}">
<PlainTextSelection guid="{g(100, True)}" startPosition="{board[0]}" endPosition="{board[1]}" creatingUser="{u}"><Coding guid="{g(200, True)}" creatingUser="{u}"><CodeRef targetGUID="{g(11, True)}"/></Coding></PlainTextSelection>
</TextSource>
<PictureSource guid="{g(41, True)}" name="Whiteboard photo" path="internal://{g(41, True)}.png" creatingUser="{u}" creationDateTime="2024-05-02T08:00:00Z">
<Description>The referral board on a Monday.</Description>
<PictureSelection guid="{g(101, True)}" name="Top row" firstX="10" firstY="20" secondX="310" secondY="90" creatingUser="{u}"><Coding guid="{g(201, True)}" creatingUser="{u}"><CodeRef targetGUID="{g(11, True)}"/></Coding></PictureSelection>
<Coding guid="{g(202, True)}" creatingUser="{u}"><CodeRef targetGUID="{g(11, True)}"/></Coding>
</PictureSource>
<PDFSource guid="{g(42, True)}" name="Referral form" path="internal://{g(42, True)}.pdf" creatingUser="{u}">
<PDFSelection guid="{g(102, True)}" page="1" firstX="50" firstY="700" secondX="300" secondY="720" creatingUser="{u}"><Coding guid="{g(203, True)}" creatingUser="{u}"><CodeRef targetGUID="{g(12, True)}"/></Coding></PDFSelection>
<Representation guid="{g(43, True)}" name="Referral form" plainTextPath="internal://{g(43, True)}.txt">
<PlainTextSelection guid="{g(103, True)}" startPosition="{consent[0]}" endPosition="{consent[1]}" creatingUser="{u}"><Coding guid="{g(204, True)}" creatingUser="{u}"><CodeRef targetGUID="{g(12, True)}"/></Coding></PlainTextSelection>
</Representation>
</PDFSource>
</Sources>
</Project>"""
    return _zip(path, xml, [(f"sources/{g(40, True)}.txt", MEDIA_TEXT.encode()),
                            (f"sources/{g(41, True)}.png", PNG_BYTES), (f"sources/{g(42, True)}.pdf", PDF_BYTES),
                            (f"sources/{g(43, True)}.txt", PDF_TEXT.encode())])


def _zip(path, xml, files):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", xml.encode("utf-8"))
        for name, data in files:
            archive.writestr(name, data)
    return path
