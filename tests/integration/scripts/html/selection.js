// k6/html without the network: selectors, traversal, values, forms
// serialized, Element methods, bad selectors. One JSON record per topic.
import { parseHTML } from 'k6/html';
import html from 'k6/html';

function log(tag, obj) { console.log(tag + ' ' + JSON.stringify(obj)); }

const PAGE = `<!DOCTYPE html>
<html><head><title>Shop &amp; more</title></head>
<body>
<div id="main" class="wrap" data-page-id="42" data-flags='{"a":1}' data-on="true">
  <h1 id="h">Items</h1>
  <ul id="items">
    <li class="item first" data-price="10">Apple</li>
    <li class="item">Banana <em>ripe</em></li>
    <li class="item sale" data-price="3.5">Cherry</li>
    <li class="item">Date</li>
  </ul>
  <p>One</p><p class="note">Two</p><p>Three</p>
  <a id="rel" href="/next?page=2#top">next</a>
  <a id="abs" href="https://user:pw@example.com:8443/a/b.html?q=1#frag">abs</a>
</div>
<form id="f" action="/post" method="POST">
  <input type="text" name="user" value="alice">
  <input type="password" name="pw">
  <input type="hidden" name="tok" value="x y&z">
  <input type="checkbox" name="opt" value="a" checked>
  <input type="checkbox" name="opt" value="b" checked>
  <input type="checkbox" name="opt" value="c">
  <input type="checkbox" name="flag" checked>
  <input type="radio" name="r" value="1"><input type="radio" name="r" value="2" checked>
  <input type="text" name="off" value="no" disabled>
  <input type="submit" name="go" value="Go">
  <select name="one"><option value="x">X</option><option selected>Why</option></select>
  <select name="many" multiple><option value="m1" selected>M1</option><option value="m2">M2</option><option value="m3" selected>M3</option></select>
  <textarea name="txt">line1
line2</textarea>
</form>
</body></html>`;

export default function () {
  const doc = parseHTML(PAGE);
  const texts = (s) => s.map((i, e) => e.text());
  log('select', {
    li: doc.find('li').size(),
    cls: texts(doc.find('li.item.sale, li.first')),
    child: texts(doc.find('#items > li:nth-child(2n)')),
    notsel: texts(doc.find('li:not(.item.first):not(:last-child)')),
    attr: texts(doc.find('li[data-price]')),
    prefix: doc.find('a[href^="https://"]').attr('id'),
    contains: texts(doc.find('li:contains("ripe")')),
    adj: texts(doc.find('p + p')),
    sib: texts(doc.find('h1 ~ p')),
    group: doc.find('h1, title, em').map((i, s) => s.get(0).nodeName()),
    has: doc.find('li').has('em').text(),
    empty: doc.find('nosuch').size(),
    defaultExport: typeof html.parseHTML,
  });

  const li = doc.find('li');
  log('traverse', {
    eq: li.eq(1).text(), eqNeg: li.eq(-1).text(), first: li.first().text(), last: li.last().text(),
    slice: texts(li.slice(1, 3)),
    parent: li.parent().attr('id'),
    parents: doc.find('em').parents().map((i, s) => s.get(0).nodeName()),
    parentsUntil: doc.find('em').parentsUntil('#main').map((i, s) => s.get(0).nodeName()),
    closest: doc.find('em').closest('div').attr('id'),
    children: doc.find('#items').children().size(),
    childrenSel: doc.find('#items').children('.sale').text(),
    contents: doc.find('li').eq(1).contents().size(),
    next: li.first().next().text().trim(),
    nextAll: texts(li.first().nextAll('.item:not(.sale)')),
    nextUntil: texts(li.first().nextUntil('.sale')),
    prev: li.last().prev().text(),
    prevAll: texts(li.last().prevAll()),
    prevUntil: texts(li.last().prevUntil('.first')),
    filterSel: texts(li.filter('.sale')),
    filterFn: texts(li.filter((i, s) => i % 2 === 0)),
    filterSelection: texts(li.filter(doc.find('.sale'))),
    not: li.not('.item').size(),
    is: [li.is('.sale'), li.is('.nope'), li.is((i, s) => s.text() === 'Date')],
    toArray: li.toArray().map((s) => s.size()),
    each: (() => { const out = []; li.each((i, el) => out.push(i + ':' + el.textContent())); return out; })(),
    getOut: li.get(9) === undefined,
  });

  log('values', {
    title: doc.find('title').text(),
    html: doc.find('li').eq(1).html(),
    text: doc.find('#items').text().replace(/\s+/g, ' ').trim(),
    attr: doc.find('#rel').attr('href'),
    attrMissing: doc.find('#rel').attr('nope') === undefined,
    attrDefault: doc.find('#rel').attr('nope', 'dflt'),
    dataKey: doc.find('#main').data('pageId'),
    dataAll: doc.find('#main').data(),
    dataPrice: doc.find('.sale').data('price'),
    val: [doc.find('[name=user]').val(), doc.find('[name=one]').val(), doc.find('[name=many]').val(), doc.find('textarea').val(), doc.find('[name=flag]').val()],
    htmlEmpty: doc.find('nope').html() === undefined,
  });

  const form = doc.find('form');
  log('forms', { array: form.serializeArray(), object: form.serializeObject(), query: form.serialize() });

  const items = doc.find('#items').get(0);
  const second = li.get(1);
  const abs = doc.find('#abs').get(0);
  const f = form.get(0);
  log('element', {
    nodeName: second.nodeName(), nodeType: second.nodeType(), id: items.id(),
    textContent: second.textContent(), innerHTML: second.innerHTML(),
    attrs: Object.keys(doc.find('.sale').get(0).attributes()),
    attrValue: doc.find('.sale').get(0).attributes()['data-price'].value,
    getAttribute: doc.find('.sale').get(0).getAttribute('class'), hasAttribute: second.hasAttribute('class'),
    childElementCount: items.childElementCount(), children: items.children().length, childNodes: items.childNodes().length,
    firstElementChild: items.firstElementChild().textContent(), lastElementChild: items.lastElementChild().textContent(),
    firstChildType: items.firstChild().nodeType(), firstChildName: items.firstChild().nodeName(),
    siblings: [second.previousElementSibling().textContent(), second.nextElementSibling().textContent()],
    parent: second.parentElement().id(), parentNode: second.parentNode().nodeName(),
    classList: li.get(0).classList(), className: li.get(0).className(),
    owner: second.ownerDocument().nodeType(),
    qs: items.querySelector('.sale').textContent(), qsa: items.querySelectorAll('li').length,
    byClass: items.getElementsByClassName('item sale').length, byTag: items.getElementsByTagName('LI').length,
    matches: second.matches('li:nth-child(2)'), contains: items.contains(second), containsNot: second.contains(items),
    same: li.get(1).isSameNode(second), equal: li.get(1).isEqualNode(li.get(3)),
    selection: second.selection().find('em').text(),
    toString: String(abs),
    nodeValue: items.firstChild().nodeValue() === '\n    ',
    href: [abs.href(), abs.protocol(), abs.username(), abs.password(), abs.host(), abs.hostname(), abs.port(), abs.pathname(), abs.search(), abs.hash(), abs.origin()],
    relHref: doc.find('#rel').get(0).href(),
    form: [f.action(), f.method(), f.enctype(), f.length()],
    input: (() => { const e = doc.find('[name=opt]').get(0); return [e.type(), e.value(), e.checked(), e.name(), e.form().id()]; })(),
    select: (() => { const e = doc.find('[name=one]').get(0); return [e.value(), e.selectedIndex(), e.length(), e.type(), e.options().map((o) => o.text())]; })(),
    multi: (() => { const e = doc.find('[name=many]').get(0); return [e.type(), e.selectedOptions().map((o) => o.value())]; })(),
    textarea: doc.find('textarea').get(0).value(),
    disabled: doc.find('[name=off]').get(0).disabled(),
  });

  const errors = [];
  for (const bad of ['li[', 'li:nosuch', 'p >', '']) {
    try { doc.find(bad); errors.push('no error for ' + bad); } catch (e) { errors.push(e.name + ': ' + e.message); }
  }
  log('errors', errors);
}
