// res.json() with and without selectors (GJSON paths: #, #.x, #(query), #(query)#, wildcards); canonical response header names.
import http from 'k6/http';

export default function () {
  const res = http.get(`${__ENV.TARGET}/json`);
  console.log(JSON.stringify({
    status: res.status,
    title: res.json('slideshow.title'),
    tag1: res.json('slideshow.tags.1'),
    nslides: res.json('slideshow.slides.#'),
    item: res.json('slideshow.slides.1.items.0'),
    rating: res.json('slideshow.rating'),
    missing: res.json('slideshow.nope') === undefined ? 'undefined' : res.json('slideshow.nope'),
    whole: res.json().slideshow.author,
    titles: res.json('slideshow.slides.#.title'),
    itemCounts: res.json('slideshow.slides.#.items.#'),
    lists: res.json('slideshow.slides.#(type=="list")#.title'),
    long: res.json('slideshow.slides.#(duration_s>10).title'),
    like: res.json('slideshow.slides.#(title%"Check*").type'),
    wild: res.json('slideshow.auth*'),
    noMatch: res.json('slideshow.slides.#(type=="nope").title') === undefined ? 'undefined' : 'found',
    contentType: res.headers['Content-Type'],
    url: res.url,
    proto: res.proto,
  }));
}
